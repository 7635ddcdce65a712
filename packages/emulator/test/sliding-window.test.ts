// Unkey's sliding window step by step under a fake clock, against numbers
// computed by hand from internal/services/ratelimit/ratelimit.go:
//   effective = current + int64(float64(previous) × (1 − elapsed / duration)) + cost
//   admitted when effective ≤ limit; remaining = limit − effective; reset = window end.
// And the windows the emulator keeps: dropped once they can no longer count.
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";
import { fakeClock, type Json } from "./helpers";

/** 2025-01-15 12:00:00 UTC: a multiple of every window length used below. */
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start() {
  const clock = fakeClock(T0);
  emulator = await startEmulator({ now: clock.now });
  return { e: emulator, clock };
}

/** Calls until the first refusal: the admitted calls' `remaining`, then the refusal. */
async function burst(e: Emulator, cost = 1) {
  const body = { namespace: "schedule", identifier: "u1", limit: 10, duration: 10_000, cost };
  const remaining: number[] = [];
  for (let i = 0; i <= 10; i++) {
    const answer = await e.call<Json>("ratelimit.limit", body);
    if (!answer.success) return { remaining, refusal: answer };
    remaining.push(answer.remaining);
  }
  throw new Error("more than 10 calls admitted under a limit of 10");
}

describe("the sliding window, limit 10 per 10 s", () => {
  it("admits exactly what ratelimit.go's arithmetic admits, window after window", async () => {
    const { e, clock } = await start();
    const refused = (reset: number) => ({ success: false, limit: 10, remaining: 0, reset });

    // Window 0 (0–10 s): nothing before it, 10 admitted.
    let step = await burst(e);
    expect(step.remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(step.refusal).toEqual(refused(T0 + 10_000));

    // 12.5 s, 25 % into window 1: ⌊10 × 0.75⌋ = 7 of window 0 count, room for 3.
    clock.set(T0 + 12_500);
    step = await burst(e);
    expect(step.remaining).toEqual([2, 1, 0]);
    expect(step.refusal).toEqual(refused(T0 + 20_000));

    // 15 s, 50 %: ⌊10 × 0.5⌋ = 5, plus the 3 of window 1: room for 2.
    clock.set(T0 + 15_000);
    expect((await burst(e)).remaining).toEqual([1, 0]);

    // 19 s, 90 %: in float64, 1 − 0.9 = 0.09999999999999998 and 10 × that
    // truncates to 0 (exact arithmetic would count 1): window 1's 5 only, room for 5.
    clock.set(T0 + 19_000);
    expect((await burst(e)).remaining).toEqual([4, 3, 2, 1, 0]);

    // 21 s, 10 % into window 2: ⌊10 × 0.9⌋ = 9 of window 1 count, room for 1.
    clock.set(T0 + 21_000);
    step = await burst(e);
    expect(step.remaining).toEqual([0]);
    expect(step.refusal).toEqual(refused(T0 + 30_000));

    // 30 s, the start of window 3: window 2's 1 weighs in full, room for 9.
    clock.set(T0 + 30_000);
    expect((await burst(e)).remaining).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);

    // 45 s, 50 % into window 4: ⌊9 × 0.5⌋ = 4. A cost of 7 (4 + 7 = 11) is
    // refused and consumes nothing: a cost of 6 then fits exactly.
    clock.set(T0 + 45_000);
    expect(await e.call<Json>("ratelimit.limit", burstBody(7))).toEqual(refused(T0 + 50_000));
    expect(await e.call<Json>("ratelimit.limit", burstBody(6))).toMatchObject({
      success: true,
      remaining: 0,
    });
  });

  it("lifts a refusal well before the reset as the previous window decays", async () => {
    const { e, clock } = await start();
    await burst(e);
    clock.set(T0 + 10_000);
    const refusal = (await burst(e)).refusal;
    expect(refusal.reset).toBe(T0 + 20_000);
    // ⌊10 × (1 − 0.1)⌋ = 9 at 11 s: one call fits, 9 s before the reset.
    clock.set(T0 + 11_000);
    expect(await e.call<Json>("ratelimit.limit", burstBody(1))).toMatchObject({
      success: true,
      remaining: 0,
    });
  });
});

function burstBody(cost: number) {
  return { namespace: "schedule", identifier: "u1", limit: 10, duration: 10_000, cost };
}

describe("windows in memory", () => {
  const hit = (e: Emulator, identifier: string, duration = 10_000, extra = {}) =>
    e.call<Json>("ratelimit.limit", { namespace: "mem", identifier, limit: 1, duration, ...extra });

  it("drops a window once it and the next one have passed", async () => {
    const { e, clock } = await start();
    // 1,000 identifiers (one per client IP, say), 100 per multiLimit call.
    for (let call = 0; call < 10; call++) {
      const checks = Array.from({ length: 100 }, (_, i) => ({
        namespace: "mem",
        identifier: `ip_${call * 100 + i}`,
        limit: 1,
        duration: 10_000,
      }));
      expect((await e.call<Json>("ratelimit.multiLimit", checks)).passed).toBe(true);
    }
    expect(e.stats().ratelimitWindows).toBe(1000);
    // Window 0 still counts as the previous window throughout window 1 (a
    // refusal stores nothing).
    clock.set(T0 + 10_000);
    expect((await hit(e, "ip_0")).success).toBe(false);
    clock.set(T0 + 19_999);
    expect(e.stats().ratelimitWindows).toBe(1000);
    clock.set(T0 + 20_000);
    expect(e.stats().ratelimitWindows).toBe(0);
    expect((await hit(e, "ip_0")).success).toBe(true);
    expect(e.stats().ratelimitWindows).toBe(1);
    clock.set(T0 + 40_000);
    expect(e.stats().ratelimitWindows).toBe(0);
  });

  it("drops windows of different lengths each at its own time", async () => {
    const { e, clock } = await start();
    const durations = [60_000, 1_000, 30_000, 5_000, 10_000, 2_000];
    for (const [i, duration] of durations.entries()) {
      for (let j = 0; j <= i; j++) await hit(e, `id_${j}`, duration);
    }
    // Window 0 of a duration d ends at d and is dropped at 2d: what is left at t.
    const left = (t: number) => durations.reduce((sum, d, i) => sum + (t < 2 * d ? i + 1 : 0), 0);
    for (const t of [0, 1_999, 2_000, 3_999, 4_000, 9_999, 10_000, 19_999, 20_000, 60_000]) {
      clock.set(T0 + t);
      expect(e.stats().ratelimitWindows, `at ${t} ms`).toBe(left(t));
    }
    clock.set(T0 + 120_000);
    expect(e.stats().ratelimitWindows).toBe(0);
  });

  it("stores nothing for a refusal or a cost of 0, and counts key limits too", async () => {
    const { e } = await start();
    await hit(e, "one");
    await hit(e, "one");
    await hit(e, "free", 10_000, { cost: 0 });
    expect(e.stats().ratelimitWindows).toBe(1);
    const { apiId } = await e.call<{ apiId: string }>("apis.createApi", { name: "windows" });
    const { key } = await e.call<{ key: string }>("keys.createKey", {
      apiId,
      ratelimits: [{ name: "requests", limit: 5, duration: 1000, autoApply: true }],
    });
    await e.call("keys.verifyKey", { key });
    expect(e.stats().ratelimitWindows).toBe(2);
  });
});
