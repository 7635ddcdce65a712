import type { VerifyResult } from "../types";
import type { CacheEntry } from "./cache";

/** What an upstream call resolves with: its answer and the cache entry made from it, if any. */
export interface SharedAnswer {
  readonly result: VerifyResult;
  readonly entry?: CacheEntry;
}

/** One upstream call that callers of the same key may wait on instead of calling again. */
export interface InFlightCall {
  readonly promise: Promise<SharedAnswer>;
  /** The permission query the call was made with: what its answer covers. */
  readonly query: string | undefined;
  /**
   * Set when the key was invalidated (or the cache cleared) while the call was
   * out: its answer may predate a revocation, so it is neither cached nor joined.
   */
  readonly detached: boolean;
}

interface MutableCall extends InFlightCall {
  detached: boolean;
}

/**
 * The upstream calls in flight, by key hash, so that concurrent verifications of
 * one key share one call (coalescing). Invalidation detaches a call: later
 * callers start a fresh one, and the detached answer is never cached.
 */
export class InFlightCalls {
  readonly #calls = new Map<string, MutableCall>();

  get(hash: string): InFlightCall | undefined {
    return this.#calls.get(hash);
  }

  /** Starts `run` as the call for `hash`; `run` gets a check that the call is still attached. */
  start(
    hash: string,
    query: string | undefined,
    run: (attached: () => boolean) => Promise<SharedAnswer>,
  ): InFlightCall {
    const state = { detached: false };
    const call: MutableCall = Object.assign(state, {
      query,
      promise: run(() => !state.detached),
    });
    this.#calls.set(hash, call);
    const done = () => {
      if (this.#calls.get(hash) === call) this.#calls.delete(hash);
    };
    call.promise.then(done, done);
    return call;
  }

  /** Detaches the call for `hash`, if any. */
  detach(hash: string): void {
    const call = this.#calls.get(hash);
    if (call === undefined) return;
    call.detached = true;
    this.#calls.delete(hash);
  }

  /** Detaches every call. */
  detachAll(): void {
    for (const call of this.#calls.values()) call.detached = true;
    this.#calls.clear();
  }
}
