import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { npx } from "../packaging/pins/registry";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = process.env.KEYGUARD_NEST12_CHILD === "1";
const MAJOR = Number(process.versions.node.split(".")[0]);

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }>;
}

/**
 * The Node 22 this file runs the project on: an exact version, so the run does not change when
 * the registry publishes another 22.x (`npx node@22` would take the newest). Raise it by hand.
 */
export const NODE22 = "22.23.3";

/**
 * NestJS 12's @nestjs/core declares Node ≥ 20, but @nestjs/common depends on
 * file-type 22, which declares Node ≥ 22. The rest of this project runs on the
 * Node of `pnpm test` (keyguard's floor is 20.19); this runs the same project
 * again on Node 22 from the npm registry's `node` package (`npx node@<NODE22>`),
 * unless this run's Node is 22 or later already.
 */
describe.skipIf(CHILD || MAJOR >= 22)("the NestJS 12 conformance run on Node 22", () => {
  it("passes every scenario on both Nest platforms", { timeout: 900_000 }, async () => {
    const node22 = (
      await npx(`node@${NODE22}`, ["-p", "process.execPath"], { timeout: 300_000 })
    ).stdout.trim();
    const dir = await mkdtemp(join(tmpdir(), "keyguard-nest12-node22-"));
    try {
      const report = join(dir, "report.json");
      // A Vitest run inside a Vitest worker: drop the parent's VITEST_* variables.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")),
      );
      const vitest = join(ROOT, "node_modules/vitest/vitest.mjs");
      // This project's config alone: the root config's reporters would overwrite its report.
      const args = [
        "run",
        "--config",
        join(ROOT, "test/nest12/vitest.config.ts"),
        "--reporter=json",
      ];
      // Vitest exits 1 when a test fails; the report says which, so read it either way.
      await run(node22, [vitest, ...args, `--outputFile=${report}`], {
        cwd: ROOT,
        env: { ...env, KEYGUARD_NEST12_CHILD: "1", KEYGUARD_NEST12_NODE: NODE22 },
        // The whole project again, beside the other suites of `pnpm test`.
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      }).catch(() => undefined);
      const result = JSON.parse(await readFile(report, "utf8")) as Report;
      const tests = result.testResults.flatMap((file) => file.assertionResults);
      expect(tests.filter((t) => t.status === "failed").map((t) => t.fullName)).toEqual([]);
      expect(tests.find((t) => t.fullName.endsWith("runs on Node 22"))?.status).toBe("passed");
      expect(result.numPassedTests).toBeGreaterThan(100);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
