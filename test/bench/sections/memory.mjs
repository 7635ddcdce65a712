// Section 5: RSS growth of a guarded Hono server after many distinct keys (random invalid
// ones, then valid ones from an emulator seed), measured after two forced GCs, in two halves
// so that the table shows whether the second half still grows memory.
import { randomBytes } from "node:crypto";
import { sendDistinct } from "../distinct.mjs";

export const id = 5;
export const title = "memory";

const CACHE_MAX = 10_000;
const mb = (bytes) => bytes / 2 ** 20;
const fmt = (n, d = 0) => n.toFixed(d);

function settings(ctx) {
  const keys = Number(process.env.BENCH_MEMORY_KEYS ?? (ctx.smoke ? 1000 : 100_000));
  // Each run stops after this budget even if not every key was sent (each key is an upstream call).
  const seconds = Number(process.env.BENCH_MEMORY_SECONDS ?? (ctx.smoke ? 60 : 90));
  if (!(Number.isInteger(keys) && keys >= 1))
    throw new Error("BENCH_MEMORY_KEYS must be a whole number ≥ 1");
  if (!(seconds > 0)) throw new Error("BENCH_MEMORY_SECONDS must be a positive number");
  return { keys, seconds };
}

async function memoryRun(ctx, emulator, warmKey, label, nextKey, { keys, seconds: budget }) {
  const server = await ctx.startServer({
    framework: "hono",
    guard: "keyguard",
    options: { rootKey: emulator.rootKey, baseUrl: emulator.url },
  });
  try {
    await ctx.load(server.url, warmKey, ctx.warmupSeconds); // JIT + steady state before the baseline
    const before = await server.memory();
    const started = performance.now();
    const half = Math.ceil(keys / 2);
    const send = (count, budgetMs) =>
      sendDistinct(server.url, { count, nextKey, budgetMs, connections: ctx.connections });
    const first = await send(half, budget * 1000);
    const middle = await server.memory();
    const second = await send(keys - half, budget * 1000 - (performance.now() - started));
    const seconds = (performance.now() - started) / 1000;
    const after = await server.memory();
    const runs = [first.result, second.result];
    const sent = first.sent + second.sent;
    const m = {
      keys: sent,
      keysAtMiddle: first.sent,
      complete: sent >= keys,
      seconds,
      rssBeforeMB: mb(before.rss),
      rssMiddleMB: mb(middle.rss),
      rssAfterMB: mb(after.rss),
      rssGrowthMB: mb(after.rss - before.rss),
      rssSecondHalfMB: mb(after.rss - middle.rss),
      heapGrowthMB: mb(after.heapUsed - before.heapUsed),
      heapSecondHalfMB: mb(after.heapUsed - middle.heapUsed),
      cacheSize: after.cacheSize,
      total: runs.reduce((sum, run) => sum + run.requests.total, 0),
      refused: runs.reduce((sum, run) => sum + run.non2xx, 0),
      failed: runs.reduce((sum, run) => sum + run.errors + run.timeouts, 0),
    };
    const name = `memory: ${sent} distinct ${label}${m.complete ? "" : ` (of ${keys} planned: ${budget} s budget)`}`;
    const sign = m.heapSecondHalfMB >= 0 ? "+" : "";
    ctx.row({
      name,
      label,
      ...m,
      rps: m.total / seconds,
      result: `RSS +${fmt(m.rssGrowthMB, 1)} MB (${fmt(m.rssBeforeMB)} → ${fmt(m.rssMiddleMB)} after ${m.keysAtMiddle} keys → ${fmt(m.rssAfterMB)}), heap +${fmt(m.heapGrowthMB, 1)} MB (second half ${sign}${fmt(m.heapSecondHalfMB, 1)} MB), cache ${m.cacheSize} entries, ${m.refused} refused`,
      target: `bounded by cache max (${CACHE_MAX.toLocaleString("en")})`,
      verdict: m.cacheSize <= CACHE_MAX ? "bounded" : "UNBOUNDED",
    });
  } finally {
    await server.stop();
  }
}

export async function run(ctx) {
  const plan = settings(ctx);
  const warmKey = `bench_warm_${randomBytes(12).toString("hex")}`;
  const prefix = `bench_mem_${randomBytes(6).toString("hex")}_`;
  const keys = Array.from({ length: plan.keys }, (_, i) => `${prefix}${i.toString(36)}`);
  // Valid keys come from a seed (one emulator start, hashed on load) rather than createKey calls.
  const emulator = await ctx.startEmulator(0, {
    apis: [{ name: "memory", keys: [{ key: warmKey }, ...keys.map((key) => ({ key }))] }],
  });
  try {
    const random = () => `sk_${randomBytes(16).toString("base64url")}`;
    await memoryRun(ctx, emulator, warmKey, "random invalid keys", random, plan);
    let i = 0;
    await memoryRun(ctx, emulator, warmKey, "valid keys", () => keys[i++ % keys.length], plan);
  } finally {
    await emulator.stop();
  }
}
