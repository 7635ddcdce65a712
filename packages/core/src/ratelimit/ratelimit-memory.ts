import { createLRU } from "lru.min";
import { type WindowAnswer, WindowMemory } from "./ratelimit-window";

/** How a call that others waited on ended: waiters adopt its failure. */
export interface Settlement {
  readonly error?: unknown;
}

/** An answer as the memory reads it: the counts, and the override Unkey applied, if any. */
export interface CounterAnswer extends WindowAnswer {
  readonly overrideId?: string | undefined;
}

/** One of Unkey's counters as this process knows it, and the calls waiting for its next answer. */
export class CounterMemory extends WindowMemory {
  #waiting: { promise: Promise<Settlement>; resolve: (s: Settlement) => void } | undefined;

  /** Resolves when the next call out on this counter settles. */
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

  /** A call of `cost` sent on this counter is answered (or failed): wakes whoever waited. */
  settle(cost: number, error?: unknown): void {
    this.inflight -= cost;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(error === undefined ? {} : { error });
  }
}

/** An override's counter: its window's length is the override's, which no answer shows. */
const OVERRIDE = "override";

/**
 * What one process knows of one identifier in a namespace: whether an override applies to
 * it and the counters its calls draw on. Unkey keeps one counter per namespace, identifier
 * and duration, whatever limit a call names (internal/services/ratelimit/keys.go); an
 * override replaces the limit and the duration of every call for its identifiers
 * (svc/api/routes/v2_ratelimit_limit/handler.go, getLimitAndDuration), so once an answer
 * shows one, every call of the identifier draws on the override's one counter, under its limit.
 */
export class IdentifierMemory {
  /** The override Unkey applied in its latest answer; `undefined` when none did. */
  override: { readonly id: string; readonly limit: number } | undefined;
  readonly #counters = new Map<number | typeof OVERRIDE, CounterMemory>();

  /** @param trustMs How long an answer decides without asking Unkey again (see WindowMemory). */
  constructor(readonly trustMs: number = Number.POSITIVE_INFINITY) {}

  /** The counter a call naming `duration` draws on. */
  counter(duration: number): CounterMemory {
    const key = this.override === undefined ? duration : OVERRIDE;
    let counter = this.#counters.get(key);
    if (counter === undefined) {
      counter = new CounterMemory(key === OVERRIDE ? undefined : duration, this.trustMs);
      this.#counters.set(key, counter);
    }
    return counter;
  }

  /** The limit Unkey applies to a call naming `limit`. */
  applied(limit: number): number {
    return this.override?.limit ?? limit;
  }

  /** Learns from Unkey's answer to a call of `cost` naming `duration`, sent at `sentAt`. */
  learn(
    duration: number,
    cost: number,
    sentAt: number,
    answer: CounterAnswer,
    admitted = answer.success,
    receivedAt = Date.now(),
  ): void {
    const id = answer.overrideId;
    this.override = id === undefined || id === "" ? undefined : { id, limit: answer.limit };
    this.counter(duration).learn(cost, sentAt, answer, admitted, receivedAt);
  }
}

/** The bounded map of identifiers: a flood of random identifiers costs at most `max` entries. */
export class RatelimitMemory {
  readonly #identifiers: ReturnType<typeof createLRU<string, IdentifierMemory>>;
  readonly #trustMs: number;

  constructor(max: number, trustMs: number = Number.POSITIVE_INFINITY) {
    this.#identifiers = createLRU<string, IdentifierMemory>({ max });
    this.#trustMs = trustMs;
  }

  /** The identifier's memory, created on first use. */
  of(identifier: string): IdentifierMemory {
    let memory = this.#identifiers.get(identifier);
    if (memory === undefined) {
      memory = new IdentifierMemory(this.#trustMs);
      this.#identifiers.set(identifier, memory);
    }
    return memory;
  }

  get size(): number {
    return this.#identifiers.size;
  }

  clear(): void {
    this.#identifiers.clear();
  }
}
