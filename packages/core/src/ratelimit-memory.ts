import { LRUCache } from "lru-cache";
import type { RatelimitResponse } from "./ratelimit-response";

/** How a call that another one waited on ended: waiters adopt its failure. */
export interface Settlement {
  readonly error?: unknown;
}

/**
 * What one process knows about one counter (identifier, limit, duration): a
 * block learnt from Unkey, Unkey's last `remaining` in the current window, and
 * the cost of calls still out. Pure bookkeeping, no network.
 */
export class CounterMemory {
  /** Refuse calls of at least `blockedCost` until then (Unix ms): Unkey said no. */
  blockedUntil = 0;
  blockedCost = 0;
  /** Unkey's last `remaining` and the end of its window (`reset`). */
  remaining: number | undefined = undefined;
  reset = 0;
  /** Cost of the calls to Unkey not answered yet. */
  inflight = 0;
  #waiting: { promise: Promise<Settlement>; resolve: (s: Settlement) => void } | undefined;

  /** Whether Unkey already refused a call this costly that is still within its window. */
  blocks(cost: number, now: number): boolean {
    return now < this.blockedUntil && cost >= this.blockedCost;
  }

  /**
   * What may still be admitted for sure: Unkey's last `remaining` less the cost
   * of calls still out (calls Unkey counted before that answer are subtracted
   * twice, which only makes it smaller). `-Infinity` when nothing is known for
   * this window.
   */
  available(now: number): number {
    if (this.remaining === undefined || now >= this.reset) return Number.NEGATIVE_INFINITY;
    return this.remaining - this.inflight;
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
    if (!answer.success) {
      // A block only grows: a smaller cost refused later lowers the bar, never raises it.
      this.blockedCost = now < this.blockedUntil ? Math.min(this.blockedCost, cost) : cost;
      this.blockedUntil = Math.max(this.blockedUntil, answer.reset);
    }
    // Answers can arrive out of order: within one window the smallest remaining is the latest.
    if (answer.reset > this.reset || this.remaining === undefined) {
      this.reset = answer.reset;
      this.remaining = answer.remaining;
    } else if (answer.reset === this.reset) {
      this.remaining = Math.min(this.remaining, answer.remaining);
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
