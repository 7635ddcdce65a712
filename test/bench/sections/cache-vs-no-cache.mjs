// Section 2: Hono guarded with vs without the cache, the emulator adding 0 and 20 ms.
import { randomBytes } from "node:crypto";

export const id = 2;
export const title = "cache vs no cache";

export async function run(ctx) {
  const key = `bench_cache_${randomBytes(12).toString("hex")}`;
  const seed = { apis: [{ name: "cache", keys: [{ key }] }] };
  for (const latency of [0, 20]) {
    const emulator = await ctx.startEmulator(latency, seed);
    try {
      const options = { rootKey: emulator.rootKey, baseUrl: emulator.url };
      const [off, on] = await ctx.compare(
        [
          { framework: "hono", guard: "keyguard", options: { ...options, cache: false } },
          { framework: "hono", guard: "keyguard", options },
        ],
        key,
      );
      ctx.row({ name: `hono guarded, cache:false, emulator +${latency} ms`, ...off });
      const ratio = on.rps / off.rps;
      ctx.row({
        name: `hono guarded, cache, emulator +${latency} ms`,
        ...on,
        ratio,
        result: `${ratio.toFixed(2)}× cache/no cache`,
      });
    } finally {
      await emulator.stop();
    }
  }
}
