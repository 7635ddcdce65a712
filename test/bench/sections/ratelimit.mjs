// Section 9: standalone rate limiting (`ratelimit()` on Unkey's ratelimit.limit).
// (a) throughput of a route limited per key on top of the key guard, against the
//     same route bare and behind the key guard alone, in each mode;
// (b) upstream calls per request in each mode, for admitted traffic and for a
//     flood of one identifier;
// (c) over-admission of mode "async" against the true limit, on one instance and
//     on two sharing the limit (sync mode alongside, as the reference).
// ctx members used: smoke, connections, startEmulator (url, rootKey, stats, stop), compare, row, note.
import { randomBytes } from "node:crypto";
import { createRatelimiter } from "@keyguard/core";

export const id = 9;
export const title = "ratelimit";

/** Emulator latency: Unkey's edge answers in a few ms from the same region. */
const LATENCY_MS = 5;
/** The longest window Unkey takes (30 days): a window never rolls over mid-measurement. */
const LONG_WINDOW = 2_592_000_000;

const fmt = (n, digits = 0) => n.toFixed(digits);
const unique = (label) => `${label}-${randomBytes(6).toString("hex")}`;

async function upstreamLimitCalls(emulator) {
  return (await emulator.stats()).calls["ratelimit.limit"] ?? 0;
}

/** Throughput rows: bare, key guard, key guard + ratelimit in each mode, and a blocked key. */
async function throughput(ctx, emulator, key) {
  const options = { rootKey: emulator.rootKey, baseUrl: emulator.url };
  const limited = (name, ratelimit) => ({
    name,
    config: { framework: "express", guard: "keyguard", options, ratelimit },
  });
  const base = { ...options, limit: 1_000_000_000, duration: LONG_WINDOW };
  const configs = [
    { name: "express bare", config: { framework: "express", guard: "none" } },
    {
      name: "express key guard (cached)",
      config: { framework: "express", guard: "keyguard", options },
    },
    limited("express key guard + ratelimit sync", { ...base, namespace: unique("bench.sync") }),
    limited("express key guard + ratelimit async", {
      ...base,
      namespace: unique("bench.async"),
      mode: "async",
    }),
    limited("express key guard + ratelimit, key blocked (local 429)", {
      ...base,
      namespace: unique("bench.blocked"),
      limit: 1,
    }),
  ];
  const chosen = ctx.smoke ? [configs[0], configs[2]] : configs;
  const before = await upstreamLimitCalls(emulator);
  const measured = await ctx.compare(
    chosen.map((c) => c.config),
    key,
  );
  const calls = (await upstreamLimitCalls(emulator)) - before;
  for (const [i, m] of measured.entries()) {
    const name = chosen[i].name;
    const refused = m.non2xx > 0 ? `${fmt((100 * m.non2xx) / m.total)}% non-2xx (429)` : "";
    ctx.row({
      name,
      rps: m.rps,
      p50: m.p50,
      p99: m.p99,
      cpuPerRequest: m.cpuPerRequest,
      result: refused,
    });
  }
  ctx.note(
    `Section 9 throughput: one key, ${ctx.connections} connections, emulator latency ${LATENCY_MS} ms. ` +
      `The limited routes sent ${calls} ratelimit.limit calls in all: sync and async mode call Unkey once per ` +
      "admitted request (async off the request path); a key Unkey provably refuses is refused locally while that holds.",
  );
}

/**
 * `n` calls of one identifier, `concurrency` at a time; returns the admitted count. A call
 * Unkey could not answer (this machine is shared) is neither admitted nor fatal: it shows
 * in the row's result as an error.
 */
async function drive(limiters, identifier, n, concurrency) {
  let admitted = 0;
  let next = 0;
  const errors = { count: 0 };
  async function worker(w) {
    while (next < n) {
      next++;
      const limiter = limiters[w % limiters.length];
      try {
        if ((await limiter.limit(identifier)).success) admitted++;
      } catch {
        errors.count++;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  if (errors.count > 0) drive.errors += errors.count;
  return admitted;
}
drive.errors = 0;

/** The in-process limiters: counts matter here, not latency, so a generous timeout. */
const limiterFor = (emulator, options) =>
  createRatelimiter({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    timeoutMs: 10_000,
    ...options,
  });

/** Upstream calls per request while under the limit: every admission is counted by Unkey. */
async function admittedTraffic(ctx, emulator) {
  const n = ctx.smoke ? 200 : 2000;
  for (const mode of ["sync", "async"]) {
    const limiter = limiterFor(emulator, {
      namespace: unique("bench.admitted"),
      limit: 1_000_000_000,
      duration: LONG_WINDOW,
      mode,
    });
    const before = await upstreamLimitCalls(emulator);
    const started = performance.now();
    const admitted = await drive([limiter], "user", n, 50);
    const ms = performance.now() - started;
    // Async calls still out when the last request was admitted: wait for them to land.
    while (
      (await upstreamLimitCalls(emulator)) - before < n &&
      performance.now() - started < 10_000
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    const calls = (await upstreamLimitCalls(emulator)) - before;
    ctx.row({
      name: `under the limit (${n} requests of one identifier, 50 concurrent), ${mode}`,
      result: `${fmt(calls / n, 3)} upstream calls/request; ${admitted} admitted in ${fmt(ms)} ms${mode === "async" ? ` (${limiter.stats().admittedAsync} without waiting)` : ""}`,
      target: "1 call/request",
      verdict: calls === n ? "meets" : "FAILS",
    });
  }
}

/** Upstream calls per request for a flood of one identifier, in each mode. */
async function flood(ctx, emulator) {
  const n = ctx.smoke ? 200 : 5000;
  const limit = 10;
  const modes = [
    ["sync", { mode: "sync" }],
    ["async", { mode: "async" }],
    ["no local memory (cache: false)", { cache: false }],
  ];
  for (const [label, extra] of modes) {
    const limiter = limiterFor(emulator, {
      namespace: unique("bench.flood"),
      limit,
      duration: LONG_WINDOW,
      ...extra,
    });
    const before = await upstreamLimitCalls(emulator);
    const admitted = await drive([limiter], "flooder", n, 50);
    const calls = (await upstreamLimitCalls(emulator)) - before;
    // With local memory: the calls that were admitted, the probe that found the limit, and
    // the first probe of an unknown identifier; every later request is refused locally.
    const local = extra.cache !== false;
    ctx.row({
      name: `flood of one identifier (${n} requests, limit ${limit}), ${label}`,
      result: `${fmt(calls / n, 4)} upstream calls/request (${calls} calls); ${admitted} admitted`,
      target: local ? `≤ ${limit + 2} calls, ${limit} admitted` : "",
      verdict: local ? (calls <= limit + 2 && admitted === limit ? "meets" : "FAILS") : "",
    });
  }
}

/** Admitted requests against the true limit: one instance and two sharing it. */
async function overAdmission(ctx, emulator) {
  const limit = ctx.smoke ? 20 : 200;
  const n = limit * 5;
  const cases = [
    ["sync, 1 instance", "sync", 1],
    ["async, 1 instance", "async", 1],
    ["sync, 2 instances", "sync", 2],
    ["async, 2 instances", "async", 2],
  ];
  for (const [label, mode, instances] of cases) {
    const namespace = unique("bench.over");
    const limiters = Array.from({ length: instances }, () =>
      limiterFor(emulator, {
        namespace,
        limit,
        duration: LONG_WINDOW,
        mode,
      }),
    );
    const admitted = await drive(limiters, "user", n, 50);
    const over = admitted - limit;
    // One instance never over-admits in either mode; several in async mode may, by what
    // the others admit within one round trip (README: "async mode's error bound").
    const strict = mode === "sync" || instances === 1;
    ctx.row({
      name: `over-admission, ${label} (limit ${limit}, ${n} requests, 50 concurrent)`,
      result: `${admitted} admitted: ${over} over the limit (${fmt((100 * over) / limit, 1)}%)`,
      target: strict ? "0 over" : "",
      verdict: strict ? (over === 0 ? "meets" : "FAILS") : "",
    });
  }
}

export async function run(ctx) {
  const key = `bench_ratelimit_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(LATENCY_MS, {
    apis: [{ name: "bench-ratelimit", keys: [{ key }] }],
  });
  try {
    await throughput(ctx, emulator, key);
    await admittedTraffic(ctx, emulator);
    await flood(ctx, emulator);
    await overAdmission(ctx, emulator);
    if (drive.errors > 0)
      ctx.note(
        `Section 9: ${drive.errors} in-process limit() calls failed (Unkey did not answer in 10 s).`,
      );
  } finally {
    await emulator.stop();
  }
}
