import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdentifierMemory } from "../src/ratelimit/ratelimit-memory";
import { WindowMemory } from "../src/ratelimit/ratelimit-window";

/**
 * Unkey's sliding window for one counter, as internal/services/ratelimit/ratelimit.go
 * computes it: windows aligned to the duration, `current + int64(previous × (1 − elapsed))`,
 * admitted when that plus the cost is within the limit, and only then counted.
 */
class UnkeyCounter {
  readonly #counts = new Map<number, number>();
  constructor(readonly duration: number) {}

  limit(limit: number, cost: number, now: number) {
    const sequence = Math.floor(now / this.duration);
    const start = sequence * this.duration;
    const elapsed = (now - start) / this.duration;
    const current = this.#counts.get(sequence) ?? 0;
    const previous = this.#counts.get(sequence - 1) ?? 0;
    const effective = current + Math.trunc(previous * (1 - elapsed)) + cost;
    const reset = start + this.duration;
    if (effective > limit) return { success: false, limit, remaining: 0, reset };
    this.#counts.set(sequence, current + cost);
    return { success: true, limit, remaining: Math.max(0, limit - effective), reset };
  }
}

type Answer = ReturnType<UnkeyCounter["limit"]>;

const DURATION = 10_000;
const T0 = 1_767_225_600_000; // aligned to the window

describe("WindowMemory against Unkey's sliding window (one client)", () => {
  it("never refuses what Unkey would admit, never admits early what Unkey would refuse", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 4000 }),
            cost: fc.integer({ min: 0, max: 3 }),
          }),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
        (limit, calls) => {
          const unkey = new UnkeyCounter(DURATION);
          const memory = new WindowMemory(DURATION);
          let now = T0;
          for (const { gap, cost } of calls) {
            now += gap;
            const refusedHere = memory.blocks(limit, cost, now);
            const admitsForSure = memory.available(limit, now) >= cost;
            const answer = unkey.limit(limit, cost, now);
            if (refusedHere) expect(answer.success, `refused locally at ${now - T0}`).toBe(false);
            if (admitsForSure) expect(answer.success, `admitted early at ${now - T0}`).toBe(true);
            memory.learn(cost, now, answer);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("with other clients drawing on the counter too, a local refusal is still one Unkey makes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 4000 }),
            cost: fc.integer({ min: 0, max: 3 }),
            others: fc.integer({ min: 0, max: 3 }),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        (limit, calls) => {
          const unkey = new UnkeyCounter(DURATION);
          const memory = new WindowMemory(DURATION);
          let now = T0;
          for (const { gap, cost, others } of calls) {
            now += gap;
            for (let i = 0; i < others; i++) unkey.limit(limit, 1, now);
            const refusedHere = memory.blocks(limit, cost, now);
            const answer = unkey.limit(limit, cost, now);
            if (refusedHere) expect(answer.success, `refused locally at ${now - T0}`).toBe(false);
            memory.learn(cost, now, answer);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("decays as if its clock were a second late: a clock behind Unkey's by up to 1 s never refuses longer", () => {
    const unkey = new UnkeyCounter(DURATION);
    const memory = new WindowMemory(DURATION);
    for (let i = 0; i < 10; i++) memory.learn(1, T0 + i, unkey.limit(10, 1, T0 + i));
    // Unkey is 900 ms ahead: at our T0 + DURATION - 400 it is 500 ms into the next window,
    // where floor(10 × 0.95) + 1 = 10 is within the limit: it admits, so no local refusal.
    expect(memory.blocks(10, 1, T0 + DURATION - 400)).toBe(false);
    expect(unkey.limit(10, 1, T0 + DURATION + 500).success).toBe(true);
  });

  it("trusts an answer only for trustMs: past it, even a certain refusal asks Unkey (an override may have changed)", () => {
    const memory = new WindowMemory(DURATION, 5000);
    memory.learn(10, T0, { success: true, limit: 10, remaining: 0, reset: T0 + DURATION });
    expect(memory.blocks(10, 1, T0 + 4000)).toBe(true);
    expect(memory.blocks(10, 1, T0 + 5001)).toBe(false);
    expect(memory.available(20, T0 + 5001)).toBe(Number.NEGATIVE_INFINITY);
    // With no answer at all, nothing is known: even a cost above the limit asks Unkey.
    expect(new WindowMemory(DURATION, 5000).blocks(10, 50, T0)).toBe(false);
  });

  it("with calls in flight answered in any order, a local refusal is still one Unkey makes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 3000 }),
            cost: fc.integer({ min: 0, max: 3 }),
            // How long the answer takes: later calls' answers may come back first.
            delay: fc.integer({ min: 0, max: 400 }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (limit, calls) => {
          const unkey = new UnkeyCounter(DURATION);
          const memory = new WindowMemory(DURATION);
          const pending: { at: number; sentAt: number; cost: number; answer: Answer }[] = [];
          const deliver = (until: number) => {
            pending.sort((a, b) => a.at - b.at);
            while (pending.length > 0 && (pending[0] as { at: number }).at <= until) {
              const { at, sentAt, cost, answer } = pending.shift() as (typeof pending)[number];
              memory.learn(cost, sentAt, answer, answer.success, at);
            }
          };
          let now = T0;
          for (const { gap, cost, delay } of calls) {
            now += gap;
            deliver(now);
            const refusedHere = memory.blocks(limit, cost, now);
            const answer = unkey.limit(limit, cost, now);
            if (refusedHere) expect(answer.success, `refused locally at ${now - T0}`).toBe(false);
            pending.push({ at: now + delay, sentAt: now, cost, answer });
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("answers that arrive out of order never count a call twice (Unkey counted it before the proof)", () => {
    // Unkey review, round 4: C is sent, then D; Unkey counts C then D; D's answer arrives
    // first (its count holds C), then C's. Unkey holds 11; a call of 6 fits under 20.
    const unkey = new UnkeyCounter(DURATION);
    const memory = new WindowMemory(DURATION);
    memory.learn(1, T0, unkey.limit(20, 1, T0));
    const c = unkey.limit(20, 5, T0 + 1);
    const d = unkey.limit(20, 5, T0 + 2);
    memory.learn(5, T0 + 2, d, true, T0 + 5);
    memory.learn(5, T0 + 1, c, true, T0 + 6);
    expect(unkey.limit(20, 0, T0 + 7).remaining).toBe(9);
    expect(memory.blocks(20, 6, T0 + 7)).toBe(false);
    expect(memory.blocks(20, 10, T0 + 7)).toBe(true);
  });

  it("a refusal lifts as the previous window decays, long before the reset", () => {
    const unkey = new UnkeyCounter(DURATION);
    const memory = new WindowMemory(DURATION);
    for (let i = 0; i < 10; i++) memory.learn(1, T0 + i, unkey.limit(10, 1, T0 + i));
    // Window 1 at 25 %: floor(10 × 0.75) = 7 counted, so 3 more are admitted, then refused.
    const at = T0 + DURATION + DURATION / 4;
    expect(memory.blocks(10, 1, at)).toBe(false);
    expect(memory.blocks(10, 1, T0 + DURATION - 2000)).toBe(true);
    let admitted = 0;
    for (let i = 0; i < 5; i++) {
      const answer = unkey.limit(10, 1, at);
      memory.learn(1, at, answer);
      if (answer.success) admitted++;
    }
    expect(admitted).toBe(3);
    // Unkey refuses a cost of 1 here; with the 1 s clock slack (a tenth of this window) the
    // memory proves only 9 counted, so it refuses a cost of 2 locally and lets Unkey decide 1.
    expect(memory.blocks(10, 1, at)).toBe(false);
    expect(memory.blocks(10, 2, at)).toBe(true);
    // At 60 %: floor(10 × 0.4) + 3 = 7: room again, and the memory lets Unkey decide.
    expect(memory.blocks(10, 1, T0 + DURATION + 0.6 * DURATION)).toBe(false);
    expect(unkey.limit(10, 1, T0 + DURATION + 0.6 * DURATION).success).toBe(true);
  });
});

describe("IdentifierMemory and overrides", () => {
  it("takes the override's limit from the answer for every call of the identifier", () => {
    const memory = new IdentifierMemory();
    expect(memory.applied(100)).toBe(100);
    memory.learn(60_000, 1, T0, {
      success: true,
      limit: 10,
      remaining: 9,
      reset: T0 + 60_000,
      overrideId: "rlor_1",
    });
    expect(memory.override).toEqual({ id: "rlor_1", limit: 10 });
    expect(memory.applied(100)).toBe(10);
    // Whatever duration a call names, the override's one counter: 9 more for sure, not 99.
    expect(memory.counter(1_000).available(memory.applied(100), T0)).toBe(9);
    memory.learn(60_000, 1, T0 + 1, {
      success: true,
      limit: 100,
      remaining: 98,
      reset: T0 + 60_000,
    });
    expect(memory.override).toBeUndefined();
    expect(memory.applied(100)).toBe(100);
  });
});
