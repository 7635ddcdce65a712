import { LRUCache } from "lru-cache";
import type { RatelimitResponse } from "./ratelimit-response";

/** How a call that another one waited on ended: waiters adopt its failure. */
export interface Settlement {
  readonly error?: unknown;
}

/**
 * What one process knows about one of Unkey's counters. Unkey keeps one
 * counter per namespace, identifier and duration, whatever `limit` each call
 * names (internal/services/ratelimit/keys.go), so what is remembered is what
 * was USED in the current window, which holds for every limit: the least
 * count Unkey reported, the least count a refusal implies, and the cost of
 * calls still out. Pure bookkeeping, no network.
 */
export class CounterMemory {
  /** Until then (Unix ms) Unkey's count is known to be at least `blockedUsed`: it said no. */
  blockedUntil = 0;
  blockedUsed = 0;
  /** The least count Unkey's answers imply in the window ending at `reset`. */
  used: number | undefined = undefined;
  reset = 0;
  /** Cost of the calls to Unkey not answered yet. */
  inflight = 0;
  #waiting: { promise: Promise<Settlement>; resolve: (s: Settlement) => void } | undefined;

  /**
   * Whether Unkey would refuse a call of `cost` under `limit`, by what a
   * refusal of this window proved: a block learnt under one limit refuses the
   * same or a lower limit at the same or a higher cost (and whatever else the
   * count it implies rules out), never a call Unkey could still admit.
   */
  blocks(limit: number, cost: number, now: number): boolean {
    return now < this.blockedUntil && this.blockedUsed + cost > limit;
  }

  /**
   * What may still be admitted under `limit` for sure: the limit less the
   * count Unkey last reported and the cost of calls still out (calls Unkey
   * counted before that answer are subtracted twice, which only makes it
   * smaller). `-Infinity` when nothing is known for this window.
   */
  available(limit: number, now: number): number {
    if (this.used === undefined || now >= this.reset) return Number.NEGATIVE_INFINITY;
    return limit - this.used - this.inflight;
  }

  /** Resolves when the next call out for this counter settles. */
  nextSettlement(): Promise<Settlement> {
    if (this.#waiting === undefined) {
      let resolve!: (s: Settlement) => void;
      const promise = new Promise<Settlement>((r) => {
        resolve = r;
      });
      this.#waiting = { promise, resolve };
    }
    return this.#waiting.promise;
  }

  /** Learns from Unkey's answer to a call of `cost`, and wakes whoever waited. */
  settle(cost: number, now: number, answer?: RatelimitResponse, error?: unknown): void {
    this.inflight -= cost;
    if (answer !== undefined) this.learn(cost, now, answer);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(error === undefined ? {} : { error });
  }

  private learn(cost: number, now: number, answer: RatelimitResponse): void {
    // Unkey admits when count + cost <= limit and then reports remaining = limit - count
    // (count including this call); it refuses when count + cost > limit, so count >= limit - cost + 1.
    const used = Math.max(
      0,
      answer.success ? answer.limit - answer.remaining : answer.limit - cost + 1,
    );
    if (!answer.success && answer.reset > now) this.learnBlock(used, now, answer.reset);
    // Answers can arrive out of order: within one window the highest count is the latest.
    if (answer.reset > this.reset || this.used === undefined) {
      this.reset = answer.reset;
      this.used = used;
    } else if (answer.reset === this.reset) {
      this.used = Math.max(this.used, used);
    }
  }

  /** A block only grows within its window; a late refusal of an older window is ignored. */
  private learnBlock(used: number, now: number, reset: number): void {
    if (now >= this.blockedUntil || reset > this.blockedUntil) {
      this.blockedUntil = reset;
      this.blockedUsed = used;
    } else if (reset === this.blockedUntil) {
      this.blockedUsed = Math.max(this.blockedUsed, used);
    }
  }
}

/** The bounded map of counters: a flood of random identifiers costs at most `max` entries. */
export class RatelimitMemory {
  readonly #counters: LRUCache<string, CounterMemory>;

  constructor(max: number) {
    this.#counters = new LRUCache({ max });
  }

  /** The counter's memory, created on first use. */
  of(key: string): CounterMemory {
    let counter = this.#counters.get(key);
    if (counter === undefined) {
      counter = new CounterMemory();
      this.#counters.set(key, counter);
    }
    return counter;
  }

  get size(): number {
    return this.#counters.size;
  }

  clear(): void {
    this.#counters.clear();
  }
}
