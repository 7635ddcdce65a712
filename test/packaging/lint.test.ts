import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { describe, expect, it } from "vitest";
import { packedTarballs } from "./pack-all";
import { PUBLISHED, ROOT } from "./published";

const run = promisify(execFile);

/** attw's JSON report: problems grouped by kind (empty when the types are right). */
interface AttwJson {
  problems?: Record<string, Array<{ entrypoint?: string; resolutionKind?: string }>>;
}

/** The tarball pack-all.ts packed, which the consumer suites install: linted as published. */
function tarballOf(name: string): string {
  const tarball = packedTarballs()[name];
  if (tarball === undefined) throw new Error(`${name} was not packed`);
  return tarball;
}

describe.each(PUBLISHED)("$name", (pkg) => {
  it("is publint-clean (errors, warnings and suggestions)", async () => {
    // The tarball rather than the folder (publint would run `pnpm pack` a second time): its
    // files are what is published, its package.json the one with `workspace:` ranges resolved.
    const data = await readFile(tarballOf(pkg.name));
    const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const { messages, pkg: manifest } = await publint({
      pack: { tarball },
      level: "suggestion",
    });
    const readable = messages.map((m) => `${m.type}: ${formatMessage(m, manifest) ?? m.code}`);
    expect(readable).toEqual([]);
  });

  it("has types that are right for every resolution mode (@arethetypeswrong/cli, strict profile)", async () => {
    const attw = join(ROOT, "node_modules/.bin/attw");
    // attw exits 1 when it finds problems; the JSON report is on stdout either way.
    const args = [tarballOf(pkg.name), "--format", "json", "--profile", "strict"];
    const stdout = await run(attw, args).then(
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
