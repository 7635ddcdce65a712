import { randomBytes } from "node:crypto";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawResponse } from "../conformance/http";
import { HARNESSES } from "./adapters";
import { keepAliveClient, pool } from "./client";
import { recordFigures } from "./results";
import {
  captureOutput,
  checkResponse,
  leaks,
  observeError,
  secretFigures,
  trackKey,
} from "./secrets";

/**
 * A bounded soak: ~3 s on one adapter by default, and at least MIN_REQUESTS however slow the
 * machine. `SOAK_SECONDS=60 SOAK_ADAPTERS=all` runs longer and on every adapter (see
 * README/RESULTS.md for the command).
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 3);
const ADAPTERS =
  process.env.SOAK_ADAPTERS === "all"
    ? HARNESSES
    : HARNESSES.filter((h) => (process.env.SOAK_ADAPTERS ?? "express").split(",").includes(h.name));
const CONCURRENCY = 50;
const VALID_KEYS = 200;
const TOTAL_KEYS = 10_000;
const HEAP_GROWTH_LIMIT = 96 * 1024 * 1024;
// Enough answers for a tenth of them to mean something, on a machine however busy: the run
// goes on past SECONDS until it has them, rather than asserting how many fitted in SECONDS.
const MIN_REQUESTS = 1_000;

interface Sample {
  readonly latencyMs: number;
}

/** CPU time this process has used, in µs: what a request costs, whatever else runs beside it. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function p99(samples: readonly Sample[]): number {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

const figures: Record<string, unknown> = {};
let restoreOutput: () => void = () => {};
beforeAll(() => {
  restoreOutput = captureOutput();
});
afterAll(() => {
  restoreOutput();
  recordFigures("soak", {
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    keys: TOTAL_KEYS,
    validKeys: VALID_KEYS,
    perAdapter: figures,
    secrets: secretFigures(),
  });
  expect(leaks()).toEqual([]);
});

describe("soak", () => {
  let emulator: Emulator;
  const keys: { key: string; valid: boolean }[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
    trackKey(emulator.rootKey);
    const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "soak" });
    const created = await pool(Array.from({ length: VALID_KEYS }), 10, () =>
      emulator.call<{ key: string }>("keys.createKey", { apiId, prefix: "sk" }),
    );
    for (const { key } of created) keys.push({ key, valid: true });
    while (keys.length < TOTAL_KEYS) {
      // Nine in ten invalid keys are plausible (Unkey answers NOT_FOUND), one in ten malformed.
      const plausible = keys.length % 10 !== 0;
      const key = plausible
        ? `sk_${randomBytes(12).toString("base64url")}`
        : `sk ${randomBytes(6).toString("hex")}`;
      keys.push({ key, valid: false });
    }
    for (const { key } of keys) trackKey(key);
  });
  afterAll(() => emulator?.stop());

  it.each(ADAPTERS.map((h) => [h.name, h] as const))(
    `%s: ${SECONDS} s at concurrency ${CONCURRENCY} over ${TOTAL_KEYS} keys: no error, no 5xx, bounded heap, no growth in CPU per request`,
    async (name, harness) => {
      const app = await harness.start({
        rootKey: emulator.rootKey,
        baseUrl: emulator.url,
        // The emulator answers from this process: on a saturated machine an answer can take
        // seconds, and the 2 s default would turn that into 503s the guard did not cause.
        timeoutMs: 10_000,
        logger: { warn() {}, error() {} },
      });
      const client = keepAliveClient(app.url, CONCURRENCY);
      const samples: Sample[] = [];
      const statuses: Record<string, number> = {};
      const wrong: string[] = [];
      let errors = 0;
      let handlersExpected = 0;
      const heapBefore = process.memoryUsage().heapUsed;
      // The process's CPU time when each answer arrived (cpuAt[n]: after n answers).
      const cpuAt = [cpuMicros()];
      const began = performance.now();
      const deadline = began + SECONDS * 1000;
      let cursor = 0;
      try {
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (performance.now() < deadline || cursor < MIN_REQUESTS) {
              const item = keys[(cursor++ * 7919) % keys.length] as { key: string; valid: boolean };
              const t0 = performance.now();
              let response: RawResponse;
              try {
                response = await client.get("/protected", { authorization: `Bearer ${item.key}` });
              } catch (error) {
                errors++;
                observeError(error);
                continue;
              }
              samples.push({ latencyMs: performance.now() - t0 });
              cpuAt.push(cpuMicros());
              statuses[response.status] = (statuses[response.status] ?? 0) + 1;
              checkResponse(response, item.key, true);
              if (item.valid) handlersExpected++;
              if (response.status !== (item.valid ? 200 : 401) && wrong.length < 5) {
                wrong.push(
                  `${item.valid ? "valid" : "invalid"} key → ${response.status} ${response.text.slice(0, 120)}`,
                );
              }
            }
          }),
        );
      } finally {
        client.close();
      }
      const seconds = (performance.now() - began) / 1000;
      const heapAfter = process.memoryUsage().heapUsed;
      const handlerCalls = app.handlerCalls();
      await app.close();
      const tenth = Math.max(1, Math.floor(samples.length / 10));
      const first = p99(samples.slice(0, tenth));
      const last = p99(samples.slice(-tenth));
      // CPU per request in each tenth of the answers, in order.
      const cpuPerTenth = Array.from(
        { length: 10 },
        (_, i) => ((cpuAt[(i + 1) * tenth] as number) - (cpuAt[i * tenth] as number)) / tenth,
      );
      // The dearest tenth of the second half against the cheapest of the first (past the
      // warm-up: first JIT, first misses). Not the last tenth alone: there fewer requests are in
      // flight, so the CPU between two answers shrinks whatever each request costs.
      const cpuLate = Math.max(...cpuPerTenth.slice(5));
      const cpuSettled = Math.min(...cpuPerTenth.slice(0, 5));
      const fivexx = Object.entries(statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((n, [, c]) => n + c, 0);
      figures[name] = {
        requests: samples.length,
        seconds: Number(seconds.toFixed(1)),
        requestsPerSecond: Math.round(samples.length / seconds),
        statuses,
        errors,
        upstreamVerifyCalls: emulator.stats().calls["keys.verifyKey"] ?? 0,
        heapGrowthMB: Number(((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)),
        p99FirstTenthMs: Number(first.toFixed(2)),
        p99LastTenthMs: Number(last.toFixed(2)),
        cpuPerRequestPerTenthMicros: cpuPerTenth.map(Math.round),
      };
      emulator.resetStats();
      expect(errors).toBe(0);
      expect(fivexx).toBe(0);
      expect(wrong).toEqual([]);
      expect(handlerCalls).toBe(handlersExpected);
      expect(heapAfter - heapBefore).toBeLessThan(HEAP_GROWTH_LIMIT);
      // No slowdown as the run goes on (a cache that degrades, work that piles up), measured as
      // the CPU each request costs this process rather than its latency: a p99 latency mostly
      // measures what else the machine runs (it is kept above as a figure only). Runs beside
      // other work measured 1.0 to 1.2 here; a cost per request that grows to 4 times is caught.
      expect(cpuLate).toBeLessThanOrEqual(3 * cpuSettled);
    },
    // At least MIN_REQUESTS: a minute when six busy loops share the two cores with the suite.
    SECONDS * 1000 + 180_000,
  );
});
