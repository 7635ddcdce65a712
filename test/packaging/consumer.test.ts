import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedTarballs } from "./pack-all";
import { installConsumer } from "./pins/consumer-project";
import { differingFiles } from "./pins/installed-copy";
import { PUBLISHED } from "./published";

const run = promisify(execFile);

/**
 * Installs every published package's tarball (packed once, by pack-all.ts)
 * with npm into a CommonJS project and an ESM project on NestJS 11, and an
 * ESM project on NestJS 12 (test/packaging/consumers/*: the peer dependencies
 * at the versions of each project's checked-in lock), then loads each package
 * there the way a user would and checks its public names; the core and
 * emulator are also exercised end to end.
 */
let workdir: string;
let tarballs: Record<string, string>;
/** The three projects' directories, installed once for every test below. */
let cjs: string;
let esm: string;
let esm12: string;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "keyguard-consumer-"));
  tarballs = packedTarballs();
  [cjs, esm, esm12] = await Promise.all([
    installConsumer("cjs-nest11", workdir, tarballs),
    installConsumer("esm-nest11", workdir, tarballs),
    installConsumer("esm-nest12", workdir, tarballs),
  ]);
});
afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

const expected = Object.fromEntries(
  PUBLISHED.flatMap((p) => [
    [p.name, [...p.names]],
    ...Object.entries(p.subpaths ?? {}).map(([entry, names]) => [entry, [...names]]),
  ]),
);

/** The script each project runs: load every package, report its names, use core + emulator. */
function script(load: (name: string) => string): string {
  return `${load('"reflect-metadata"')}
const expected = ${JSON.stringify(expected)};
const report = {};
for (const name of Object.keys(expected)) {
  const mod = ${load("name")};
  report[name] = expected[name].filter((n) => mod[n] === undefined || mod[n] === null);
}
const { startEmulator } = ${load('"@keyguard/emulator"')};
const { createVerifier, parsePermissionQuery } = ${load('"@keyguard/core"')};
const emulator = await startEmulator({ port: 0 });
try {
  const { apiId } = await emulator.call("apis.createApi", { name: "consumer" });
  const { key } = await emulator.call("keys.createKey", { apiId, name: "consumer" });
  const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url });
  const first = await verifier.verify(key);
  const second = await verifier.verify(key);
  report.verify = [first.valid, first.source, second.source];
  report.query = parsePermissionQuery("a OR b AND c").type;
} finally {
  await emulator.stop();
}
console.log(JSON.stringify(report));
`;
}

describe("consumer projects installed from the packed tarballs", () => {
  it("hold this run's tarballs, not a copy npm cached from an earlier packing", async () => {
    for (const project of [cjs, esm, esm12]) {
      for (const [name, tarball] of Object.entries(tarballs)) {
        expect(await differingFiles(project, name, tarball), `${project}: ${name}`).toEqual([]);
      }
    }
  });

  it("loads every package with require() in CommonJS and with import in ESM", async () => {
    await writeFile(
      join(cjs, "check.cjs"),
      `(async () => {\n${script((name) => `require(${name})`)}\n})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    for (const dir of [esm, esm12])
      await writeFile(
        join(dir, "check.mjs"),
        script((name) => `await import(${name})`),
      );

    const outputs = await Promise.all([
      run("node", ["check.cjs"], { cwd: cjs }),
      run("node", ["check.mjs"], { cwd: esm }),
      run("node", ["check.mjs"], { cwd: esm12 }),
    ]);
    for (const { stdout } of outputs) {
      const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<
        string,
        unknown
      >;
      for (const entry of Object.keys(expected))
        expect(report[entry], `${entry}: missing names`).toEqual([]);
      expect(report.verify).toEqual([true, "upstream", "cache"]);
      expect(report.query).toBe("or");
    }
  });
});
