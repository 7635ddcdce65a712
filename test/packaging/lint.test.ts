import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pack } from "./pack";
import { assertBuilt, PUBLISHED, ROOT } from "./published";

const run = promisify(execFile);

/** attw's JSON report: problems grouped by kind (empty when the types are right). */
interface AttwJson {
  problems?: Record<string, Array<{ entrypoint?: string; resolutionKind?: string }>>;
}

let workdir: string;
beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "keyguard-lint-"));
});
afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe.each(PUBLISHED)("$name", (pkg) => {
  it("is publint-clean (errors, warnings and suggestions)", async () => {
    assertBuilt(pkg);
    const pkgDir = `${ROOT}${pkg.dir}`;
    const { messages, pkg: manifest } = await publint({
      pkgDir,
      pack: "pnpm",
      level: "suggestion",
    });
    const readable = messages.map((m) => `${m.type}: ${formatMessage(m, manifest) ?? m.code}`);
    expect(readable).toEqual([]);
  });

  it("has types that are right for every resolution mode (@arethetypeswrong/cli, strict profile)", async () => {
    const tarball = await pack(pkg, workdir);
    const attw = join(ROOT, "node_modules/.bin/attw");
    // attw exits 1 when it finds problems; the JSON report is on stdout either way.
    const stdout = await run(attw, [tarball, "--format", "json", "--profile", "strict"]).then(
      (r) => r.stdout,
      (error: { stdout?: string }) => error.stdout ?? "",
    );
    const report = JSON.parse(stdout) as AttwJson;
    const problems = Object.entries(report.problems ?? {}).flatMap(([kind, found]) =>
      found.map((p) => `${kind} at ${p.entrypoint ?? "."} (${p.resolutionKind ?? "all"})`),
    );
    expect(problems).toEqual([]);
  });
});
