import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), "keyguard-bench-smoke-"));

interface Results {
  smoke: boolean;
  rows: {
    section: number;
    name: string;
    total: number;
    non2xx: number;
    errors: number;
    cpuPerRequest: number;
  }[];
  burst: { requests: number; upstream: number; ok: number };
  memory: Record<
    "invalid" | "valid",
    { keys: number; keysAtMiddle: number; cacheSize: number; total: number; non2xx: number }
  >;
}

/** Every row the table must have, by section and configuration name. */
const EXPECTED_ROWS = [
  "1 | express bare",
  "1 | express pass-through middleware",
  "1 | express guarded (warm cache)",
  "1 | hono bare",
  "1 | hono pass-through middleware",
  "1 | hono guarded (warm cache)",
  "1 | fastify bare",
  "1 | fastify pass-through middleware",
  "1 | fastify guarded (warm cache)",
  "1 | nestjs-express bare",
  "1 | nestjs-express pass-through middleware",
  "1 | nestjs-express guarded (warm cache)",
  "2 | hono guarded, cache:false, emulator +0 ms",
  "2 | hono guarded, cache, emulator +0 ms",
  "2 | hono guarded, cache:false, emulator +20 ms",
  "2 | hono guarded, cache, emulator +20 ms",
  "3 | @unkey/hono 2.x (fetch → emulator)",
  "3 | @keyguard/hono, cache:false",
  "3 | @keyguard/hono, cache",
  "4 | burst: 1000 concurrent requests, one cold key",
  "5 | memory: 1000 distinct random invalid keys",
  "5 | memory: 1000 distinct valid keys",
];

let table = "";
let results: Results;

beforeAll(async () => {
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [join(here, "run.mjs")],
      { env: { ...process.env, BENCH_SMOKE: "1", BENCH_OUT_DIR: outDir }, maxBuffer: 16 * 2 ** 20 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    );
  });
  table = readFileSync(join(outDir, "RESULTS.md"), "utf8");
  results = JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")) as Results;
}, 300_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("bench smoke mode", () => {
  it("prints a table with every row", () => {
    expect(results.smoke).toBe(true);
    for (const row of EXPECTED_ROWS) expect(table).toContain(`| ${row}`);
  });

  it("served every throughput configuration without errors", () => {
    expect(results.rows).toHaveLength(19);
    for (const row of results.rows) {
      expect(row.total, row.name).toBeGreaterThan(0);
      expect(row.non2xx, row.name).toBe(0);
      expect(row.errors, row.name).toBe(0);
      expect(row.cpuPerRequest, row.name).toBeGreaterThan(0);
    }
  });

  it("a burst of 1,000 concurrent requests with one cold key makes exactly one upstream call", () => {
    expect(results.burst).toEqual({ requests: 1000, upstream: 1, ok: 1000 });
  });

  it("kept the cache bounded in the memory runs", () => {
    expect(results.memory.invalid.keys).toBe(1000);
    expect(results.memory.valid.keys).toBe(1000);
    expect(results.memory.valid.cacheSize).toBeGreaterThanOrEqual(1000);
    expect(results.memory.valid.cacheSize).toBeLessThanOrEqual(10_000);
    expect(results.memory.valid.keysAtMiddle).toBe(500);
  });

  it("refused every random key and let every seeded key in during the memory runs", () => {
    const { invalid, valid } = results.memory;
    expect(invalid.total).toBe(1000);
    expect(invalid.non2xx).toBe(1000);
    expect(valid.total).toBe(1000);
    expect(valid.non2xx).toBe(0);
  });
});
