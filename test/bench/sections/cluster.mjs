// Section 7, cluster (issue 15): upstream verifications per TTL for one hot key
// served by 1, 4 and 8 instances with and without a Redis shared cache, revocation
// lag after invalidateKeyId, and what an L2 hit costs next to an L1 hit and an Unkey call.
import { randomBytes } from "node:crypto";
import os from "node:os";
import {
  get,
  invalidateKeyId,
  startInstances,
  stopInstances,
  unkeyCall,
} from "../cluster-instances.mjs";
import { startRedisProcess } from "../redis-process.mjs";
import { tierCosts } from "../tier-cost.mjs";

const round3 = (n) => Math.round(n * 1000) / 1000;

export const id = 7;
export const title = "cluster";

const DEFAULT_TTL_MS = 5000; // the verifier's default cache.ttlMs
const LAG_TIMEOUT_MS = 2000;
// Between two polls of one instance: the poll's resolution, without the polls themselves
// saturating the server CPU that every instance shares.
const POLL_PAUSE_MS = 2;

function plan(smoke) {
  return smoke
    ? {
        counts: [1, 2],
        ttlMs: 500,
        ttls: 2,
        loops: 2,
        trials: 5,
        l1: 5000,
        l2: 100,
        unkey: 100,
        rounds: 1,
      }
    : {
        counts: [1, 4, 8],
        ttlMs: DEFAULT_TTL_MS,
        ttls: 3,
        loops: 2,
        trials: 50,
        l1: 200_000,
        l2: 2000,
        unkey: 2000,
        rounds: 3,
      };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Back-to-back requests with `key`, `loops` at a time per instance, for `ms`. */
async function drive(instances, key, loops, ms) {
  const deadline = performance.now() + ms;
  const times = [];
  let non2xx = 0;
  let errors = 0;
  const loop = async (instance) => {
    while (performance.now() < deadline) {
      try {
        const { status, ms: took } = await get(instance.url, key);
        times.push(took);
        if (status !== 200) non2xx++;
      } catch {
        errors++;
        await sleep(1);
      }
    }
  };
  await Promise.all(
    instances.flatMap((instance) => Array.from({ length: loops }, () => loop(instance))),
  );
  return {
    total: times.length,
    non2xx,
    errors,
    rps: times.length / (ms / 1000),
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
  };
}

/**
 * Upstream verifyKey calls per TTL: every instance is warmed (its L1 entry set), the
 * emulator's count reset, then load runs for `ttls` + ½ TTLs — a window that holds
 * exactly `ttls` expiries of each entry set at warm-up — and the calls are divided by `ttls`.
 */
async function upstreamPerTtl(env, instances, p) {
  const { key } = await unkeyCall(env.emulator, "keys.createKey", { apiId: env.apiId });
  const warm = await Promise.all(instances.map((instance) => get(instance.url, key)));
  if (warm.some((r) => r.status !== 200)) throw new Error("cluster: a warm-up request was refused");
  await env.emulator.resetStats();
  const measured = await drive(instances, key, p.loops, (p.ttls + 0.5) * p.ttlMs);
  const calls = (await env.emulator.stats()).calls["keys.verifyKey"] ?? 0;
  return { ...measured, calls, perTtl: calls / p.ttls };
}

async function perTtlRows(ctx, env, p, shared) {
  const label = shared ? "sharedCache: redisCache" : "no shared cache";
  const instances = await startInstances(
    Math.max(...p.counts),
    env.instanceEnv(shared),
    ctx.pinToServerCpu,
  );
  try {
    for (const count of p.counts) {
      const m = await upstreamPerTtl(env, instances.slice(0, count), p);
      const goal = shared && count === Math.max(...p.counts);
      ctx.row({
        name: `one hot key, ${count} instance${count > 1 ? "s" : ""}, ${label}`,
        rps: m.rps,
        p50: round3(m.p50),
        p99: round3(m.p99),
        result: `${m.perTtl.toFixed(2)} upstream calls per ${p.ttlMs / 1000} s TTL (${m.calls} in ${p.ttls + 0.5} TTLs; ${m.total} requests, ${m.non2xx} non-2xx, ${m.errors} errors)`,
        ...(goal && {
          target: "≤ 1.2 per TTL",
          verdict: m.perTtl <= 1.2 && m.non2xx + m.errors === 0 ? "meets" : "FAILS",
        }),
      });
    }
    if (shared) await revocationRow(ctx, env, instances, p);
  } finally {
    await stopInstances(instances);
  }
}

/** ms from sending invalidateKeyId to one instance until every other instance refuses the (disabled) key. */
async function revocationLag(env, instances, via) {
  const { key, keyId } = await unkeyCall(env.emulator, "keys.createKey", { apiId: env.apiId });
  for (const instance of instances) {
    if ((await get(instance.url, key)).status !== 200) throw new Error("cluster: warm-up refused");
  }
  await unkeyCall(env.emulator, "keys.updateKey", { keyId, enabled: false });
  const started = performance.now();
  const done = invalidateKeyId(via, keyId);
  const refusedAfter = async (instance) => {
    while (performance.now() - started < LAG_TIMEOUT_MS) {
      if ((await get(instance.url, key)).status === 401) return performance.now() - started;
      await sleep(POLL_PAUSE_MS);
    }
    return Number.POSITIVE_INFINITY;
  };
  const lags = await Promise.all(instances.filter((i) => i !== via).map(refusedAfter));
  await done;
  return Math.max(...lags);
}

async function revocationRow(ctx, env, instances, p) {
  const lags = [];
  for (let trial = 0; trial < p.trials; trial++) {
    lags.push(await revocationLag(env, instances, instances[trial % instances.length]));
  }
  const p99 = percentile(lags, 0.99);
  ctx.row({
    name: `revocation lag: invalidateKeyId on 1 of ${instances.length} instances until all others refuse`,
    p50: round3(percentile(lags, 0.5)),
    p99: round3(p99),
    result: `p50 ${percentile(lags, 0.5).toFixed(1)} ms, p90 ${percentile(lags, 0.9).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...lags).toFixed(1)} ms over ${lags.length} trials (${lags.filter((lag) => lag > 250).length} over 250 ms)`,
    target: "p99 ≤ 250 ms",
    verdict: p99 <= 250 ? "meets" : "FAILS",
  });
}

async function tierRows(ctx, env, p) {
  const { key } = await unkeyCall(env.emulator, "keys.createKey", { apiId: env.apiId });
  const costs = await tierCosts({
    emulator: env.emulator,
    redisUrl: env.redis.url,
    key,
    iterations: { l1: p.l1, l2: p.l2, unkey: p.unkey },
    rounds: p.rounds,
  });
  const names = {
    L1: "L1 hit (in-process LRU), in-process verify() (mean over a batch)",
    L2: "L2 hit (Redis; L1 cleared before each verify()), in-process",
    Unkey: "Unkey call (emulator +0 ms, cache: false), in-process verify()",
  };
  for (const [tier, c] of Object.entries(costs)) {
    const timing =
      c.p50 === undefined
        ? `${c.mean.toFixed(2)} µs per verification (mean over each batch)`
        : `p50 ${c.p50.toFixed(0)} µs per verification (mean ${c.mean.toFixed(0)}, p99 ${c.p99.toFixed(0)} µs)`;
    const others =
      c.kept < c.n ? `; ${c.n - c.kept} of ${c.n} went past this tier and are left out` : "";
    ctx.row({
      name: names[tier],
      // Milliseconds for the table's p50/p99 columns, rounded as the other rows are.
      ...(c.p50 !== undefined && { p50: round3(c.p50 / 1000), p99: round3(c.p99 / 1000) }),
      result: `${timing}, ${c.cpu.toFixed(c.cpu < 10 ? 2 : 1)} µs of this process's CPU; ${p[tier.toLowerCase()]} sequential × ${p.rounds} round(s)${others}`,
    });
  }
}

export async function run(ctx) {
  const p = plan(ctx.smoke);
  const loadBefore = os.loadavg();
  const emulator = await ctx.startEmulator(0, { apis: [] });
  const redis = await startRedisProcess(ctx.pinToLoadCpu);
  try {
    const { apiId } = await unkeyCall(emulator, "apis.createApi", { name: "cluster-bench" });
    const secret = randomBytes(32).toString("base64");
    const env = {
      emulator,
      redis,
      apiId,
      instanceEnv: (shared) => ({
        UNKEY_BASE_URL: emulator.url,
        UNKEY_ROOT_KEY: emulator.rootKey,
        ...(p.ttlMs !== DEFAULT_TTL_MS && { TTL_MS: String(p.ttlMs) }),
        ...(shared && { REDIS_URL: redis.url, CACHE_SECRET: secret }),
      }),
    };
    await perTtlRows(ctx, env, p, false);
    await perTtlRows(ctx, env, p, true);
    await tierRows(ctx, env, p);
  } finally {
    await redis.stop();
    await emulator.stop();
  }
  ctx.note(clusterNote(p, loadBefore));
}

function clusterNote(p, loadBefore) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(" / ");
  return [
    `Section ${id} (cluster): instances are separate processes (the cluster suite's app, test/cluster/app.mjs: Fastify, keyguard, cache TTL ${p.ttlMs} ms), pinned to the server CPU; redis-server (one, started by the section), the emulator (+0 ms) and the load (${p.loops} back-to-back keep-alive requests per instance) on the load CPU.`,
    `Upstream calls are the emulator's keys.verifyKey count over ${p.ttls + 0.5} TTLs after every instance was warmed, divided by ${p.ttls} (the window holds exactly ${p.ttls} expiries of each warmed entry); one fresh key per row.`,
    `Revocation lag: the key is disabled at the emulator, then invalidateKeyId is sent (IPC) to one instance (a different one each trial) and every other instance is polled (a request, then a ${POLL_PAUSE_MS} ms pause) until it answers 401; the lag is the slowest instance's, from the IPC send.`,
    `Tier costs: one process, the real verifier, real Redis and the emulator, sequential verifications; an L2 hit is forced by clearing this process's L1 (verifier.clear(), which publishes nothing) before each verify(); every measured call is checked against the verifier's stats (hits, sharedHits, upstreamCalls). Medians over ${p.rounds} interleaved round(s). Load average before the section: ${load(loadBefore)}; after: ${load(os.loadavg())}.`,
  ].join(" ");
}
