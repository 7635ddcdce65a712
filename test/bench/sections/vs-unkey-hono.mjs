// Section 3: @keyguard/hono vs Unkey's @unkey/hono 2.x against the emulator (+0 ms), with
// and without our cache. @unkey/hono's fetch is redirected to the emulator (apps.mjs).
import { randomBytes } from "node:crypto";

export const id = 3;
export const title = "vs @unkey/hono";

export async function run(ctx) {
  const key = `bench_unkey_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(0, { apis: [{ name: "vs", keys: [{ key }] }] });
  try {
    const options = { rootKey: emulator.rootKey, baseUrl: emulator.url };
    const [official, noCache, cached] = await ctx.compare(
      [
        { framework: "hono", guard: "unkey-hono", options },
        { framework: "hono", guard: "keyguard", options: { ...options, cache: false } },
        { framework: "hono", guard: "keyguard", options },
      ],
      key,
    );
    ctx.row({ name: "@unkey/hono 2.x (fetch → emulator)", ...official });
    const noCacheRatio = noCache.rps / official.rps;
    ctx.row({
      name: "@keyguard/hono, cache:false",
      ...noCache,
      ratio: noCacheRatio,
      result: `${noCacheRatio.toFixed(2)}× vs @unkey/hono`,
      target: "≥ 4.00 (issue 17; ≤ 150 µs CPU/req)",
      verdict: noCacheRatio >= 4 && noCache.cpuPerRequest <= 150 ? "meets" : "UNDER",
    });
    const cachedRatio = cached.rps / official.rps;
    ctx.row({
      name: "@keyguard/hono, cache",
      ...cached,
      ratio: cachedRatio,
      result: `${cachedRatio.toFixed(2)}× vs @unkey/hono`,
    });
  } finally {
    await emulator.stop();
  }
}
