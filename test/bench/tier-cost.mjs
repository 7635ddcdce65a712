// What one verification costs from each tier, in this process, with the real
// verifier: an L1 hit (in-process LRU), an L2 hit (Redis: HMAC id, one round trip,
// AES-GCM open) and an Unkey call (the emulator). Sequential: one at a time.
import { randomBytes } from "node:crypto";
import { createVerifier } from "@keyguard/core";
import { redisCache } from "@keyguard/redis";

const median = (values) =>
  values.includes(undefined) ? undefined : [...values].sort((a, b) => a - b)[values.length >> 1];
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/**
 * Runs `tier.run()` n times, one after another: wall µs (mean, p50, p99) of the calls
 * the verifier's stats say that tier served (`kept`), and this process's CPU µs per call.
 */
async function measure(tier, n) {
  const times = [];
  const cpu = process.cpuUsage();
  let served = tier.count(tier.verifier.stats());
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await tier.run();
    const took = (performance.now() - t) * 1000;
    const now = tier.count(tier.verifier.stats());
    if (now > served) times.push(took);
    served = now;
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  return {
    mean: times.reduce((sum, t) => sum + t, 0) / times.length,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    cpu: (used.user + used.system) / n,
    kept: times.length,
  };
}

/** L1 hits are too short to time one by one: the mean over a batch, checked in the stats. */
async function measureBatch(tier, n) {
  const before = tier.count(tier.verifier.stats());
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) await tier.run();
  const mean = ((performance.now() - started) * 1000) / n;
  const used = process.cpuUsage(cpu);
  const kept = tier.count(tier.verifier.stats()) - before;
  return { mean, p50: undefined, p99: undefined, cpu: (used.user + used.system) / n, kept };
}

/** Clears L1 and verifies until a verification is an L2 hit (Redis answered within the store timeout). */
async function untilSharedHit(verifier, key) {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const before = verifier.stats().sharedHits;
    verifier.clear();
    await verifier.verify(key);
    if (verifier.stats().sharedHits > before) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("tier cost: no L2 hit in 10 s (Redis not answering within the store timeout)");
}

function tiersFor(emulator, sharedCache, key) {
  const upstream = { rootKey: emulator.rootKey, baseUrl: emulator.url };
  // A long TTL, so that the one L2 entry outlives the run: its expiry is not what is measured.
  const cached = createVerifier({ ...upstream, cache: { ttlMs: 60_000 }, sharedCache });
  const uncached = createVerifier({ ...upstream, cache: false });
  return [
    { name: "L1", verifier: cached, run: () => cached.verify(key), count: (s) => s.hits },
    {
      name: "L2",
      verifier: cached,
      // The L1 entry is cleared before each verification (only this process's L1:
      // `clear()` publishes nothing), so the verifier reads Redis.
      run: () => {
        cached.clear();
        return cached.verify(key);
      },
      count: (s) => s.sharedHits,
    },
    {
      name: "Unkey",
      verifier: uncached,
      run: () => uncached.verify(key),
      count: (s) => s.upstreamCalls,
    },
  ];
}

/**
 * µs per verification for each tier, medians over `rounds` interleaved rounds
 * (L1, L2, Unkey, L1, L2, …). `iterations`: { l1, l2, unkey } per round.
 */
export async function tierCosts({ emulator, redisUrl, key, iterations, rounds }) {
  const sharedCache = redisCache({ url: redisUrl, secret: randomBytes(32).toString("base64") });
  await sharedCache.ready();
  try {
    const tiers = tiersFor(emulator, sharedCache, key);
    const first = await tiers[0].verifier.verify(key); // Unkey once, then in L1 and L2
    if (!first.valid) throw new Error(`tier cost: the key is not valid (${first.code})`);
    await untilSharedHit(tiers[0].verifier, key);
    const counts = { L1: iterations.l1, L2: iterations.l2, Unkey: iterations.unkey };
    const samples = Object.fromEntries(tiers.map((t) => [t.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const tier of tiers) {
        const n = counts[tier.name];
        samples[tier.name].push(await (tier.name === "L1" ? measureBatch : measure)(tier, n));
      }
    }
    return Object.fromEntries(
      tiers.map(({ name }) => {
        const runs = samples[name];
        const pick = (field) => median(runs.map((run) => run[field]));
        const kept = runs.reduce((sum, run) => sum + run.kept, 0);
        const summary = {
          mean: pick("mean"),
          p50: pick("p50"),
          p99: pick("p99"),
          cpu: pick("cpu"),
        };
        return [name, { ...summary, n: counts[name] * runs.length, kept }];
      }),
    );
  } finally {
    await sharedCache.close();
  }
}
