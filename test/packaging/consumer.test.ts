import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedTarballs } from "./pack-all";
import { PUBLISHED } from "./published";

const run = promisify(execFile);

/**
 * Installs every published package's tarball (packed once, by pack-all.ts)
 * with npm into a fresh CommonJS project and a fresh ESM project on NestJS 11,
 * and an ESM project on NestJS 12 (peer dependencies come from the registry),
 * then loads each package there the way a user would and checks its public
 * names; the core and emulator are also exercised end to end.
 */
let workdir: string;
let tarballs: Map<string, string>;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "keyguard-consumer-"));
  tarballs = new Map(Object.entries(packedTarballs()));
});
afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

type Nest = "11" | "12";

function manifest(type: "commonjs" | "module", nest: Nest) {
  const files = Object.fromEntries([...tarballs].map(([name, path]) => [name, `file:${path}`]));
  return {
    name: `keyguard-consumer-${type}`,
    private: true,
    type,
    dependencies: {
      ...files,
      // Peer dependencies of the adapters, as a user would install them.
      express: "^5.1.0",
      hono: "^4.10.0",
      next: "^15.5.0",
      fastify: "^5.6.1",
      "@nestjs/common": nest === "11" ? "^11.1.6" : "^12.0.0",
      "@nestjs/core": nest === "11" ? "^11.1.6" : "^12.0.0",
      "reflect-metadata": "^0.2.2",
      rxjs: "^7.8.2",
      // Optional peers of the OpenAPI subpaths (@keyguard/nestjs/swagger, @keyguard/hono/openapi).
      "@nestjs/swagger": nest === "11" ? "^11.4.7" : "^12.0.0",
      "hono-openapi": "^1.3.3",
    },
    // Adapters depend on @keyguard/core by version: resolve it to the packed tarball, not the registry.
    overrides: { "@keyguard/core": files["@keyguard/core"] },
  };
}

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

async function install(type: "commonjs" | "module", nest: Nest = "11"): Promise<string> {
  const dir = join(workdir, `${type}-nest${nest}`);
  await mkdir(dir);
  await writeFile(join(dir, "package.json"), JSON.stringify(manifest(type, nest), null, 2));
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: dir,
    timeout: 200_000,
  });
  return dir;
}

describe("consumer projects installed from the packed tarballs", () => {
  it("loads every package with require() in CommonJS and with import in ESM", async () => {
    const [cjs, esm, esm12] = await Promise.all([
      install("commonjs"),
      install("module"),
      install("module", "12"),
    ]);
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
