import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createRatelimiter, type Ratelimiter, type RatelimiterOptions } from "../src/index";

// Unkey keeps one counter per namespace, identifier and duration whatever the limit a call
// names (internal/services/ratelimit/keys.go), as the emulator does: two routes limiting one
// identifier at 10 and at 20 draw on the same count.

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const WINDOW = 60_000;
// How long to wait for mode "async"'s background calls to land: each look is an HTTP call to
// the emulator, and a busy machine makes several of them slow. (Each look also moves the faked
// Date by 50 ms: well inside the 60 s window.)
const LANDED = { timeout: 10_000 };
let emulator: Emulator;

beforeAll(async () => {
  // The emulator reads the clock through a function, so the faked Date drives its windows too.
  emulator = await startEmulator({ now: () => Date.now() });
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

let namespaces = 0;
function limiterOf(mode: RatelimiterOptions["mode"]): Ratelimiter {
  return createRatelimiter({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    namespace: `shared.counter.${++namespaces}`,
    limit: 10,
    duration: WINDOW,
    mode,
  });
}

/** Unkey's count for the identifier now, read with a cost-0 check that consumes nothing. */
async function unkeyCount(limiter: Ratelimiter, identifier: string): Promise<number> {
  const answer = await emulator.call("ratelimit.limit", {
    namespace: limiter.options.namespace,
    identifier,
    limit: 1_000,
    duration: WINDOW,
    cost: 0,
  });
  return 1_000 - (answer as { remaining: number }).remaining;
}

async function admitted(limiter: Ratelimiter, calls: number, limit?: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < calls; i++) {
    if ((await limiter.limit("key_123", limit === undefined ? {} : { limit })).success) count++;
  }
  return count;
}

// Dozens of HTTP calls to the emulator per test: room for a busy machine past the 5 s default.
describe("one identifier under two limits (Unkey's one counter)", { timeout: 30_000 }, () => {
  it('mode: "async" never admits past what Unkey still has for the lower limit', async () => {
    const limiter = limiterOf("async");
    expect(await admitted(limiter, 1)).toBe(1);
    expect(await admitted(limiter, 15, 20)).toBe(15);
    // Unkey's count is 16, above 10: the limit-10 route admits nothing more.
    expect(await admitted(limiter, 9)).toBe(0);
    await vi.waitFor(async () => expect(await unkeyCount(limiter, "key_123")).toBe(16), LANDED);
    expect(limiter.stats().asyncFailures).toBe(0);
  });

  it('mode: "async" admits under the lower limit only the room the higher one left', async () => {
    const limiter = limiterOf("async");
    expect(await admitted(limiter, 1)).toBe(1);
    expect(await admitted(limiter, 7, 20)).toBe(7);
    // Count 8 of 10: two more, however the answers of the background calls interleave.
    expect(await admitted(limiter, 5)).toBe(2);
    await vi.waitFor(async () => expect(await unkeyCount(limiter, "key_123")).toBe(10), LANDED);
  });

  it("sync mode: a refusal under the higher limit refuses the lower one locally", async () => {
    const limiter = limiterOf("sync");
    const upstream = () => emulator.stats().calls["ratelimit.limit"] ?? 0;
    expect(await admitted(limiter, 1)).toBe(1);
    expect(await admitted(limiter, 19, 20)).toBe(19);
    expect(await limiter.limit("key_123", { limit: 20 })).toMatchObject({ success: false });
    // Count 20: the limit-10 route is refused with no call to Unkey while that count holds.
    const before = upstream();
    const local = await limiter.limit("key_123");
    expect(local).toMatchObject({ success: false, source: "local", reset: T0 + WINDOW });
    expect(upstream()).toBe(before);
    // Unkey's window slides: the next window starts counting the previous 20 in full, and
    // admits under 10 only once floor(20 × (1 − elapsed)) is 9, past half of it.
    // Past cache.ttlMs (5 s) of Unkey's answer, Unkey is asked again, and still refuses.
    vi.setSystemTime(T0 + WINDOW);
    expect(await limiter.limit("key_123")).toMatchObject({ success: false, source: "upstream" });
    vi.setSystemTime(T0 + WINDOW + 0.55 * WINDOW);
    expect(await limiter.limit("key_123")).toMatchObject({ success: true, source: "upstream" });
  });

  it("sync mode: a refusal under the lower limit still lets Unkey decide the higher one", async () => {
    const limiter = limiterOf("sync");
    expect(await admitted(limiter, 11)).toBe(10);
    // Count 10: a refusal at 10 says nothing about 20, so Unkey is asked, and admits.
    expect(await limiter.limit("key_123", { limit: 20 })).toMatchObject({
      success: true,
      remaining: 9,
      source: "upstream",
    });
  });
});
