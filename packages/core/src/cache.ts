import { LRUCache } from "lru-cache";
import type { VerifyResult } from "./types";

/**
 * What the cache remembers about one key (by hash):
 * - `valid`: an unmetered valid key; every route's permission query is checked
 *   locally against `granted`;
 * - `negative`: `NOT_FOUND`, `DISABLED` or `EXPIRED` (or `RATE_LIMITED` until its reset);
 * - `metered`: the key has credits or auto-applied rate limits, so every request
 *   must reach Unkey; the entry only spares callers the wait for a coalesced call.
 */
export interface CacheEntry {
  readonly kind: "valid" | "negative" | "metered";
  /** The answer as served from cache (`source: "cache"`), frozen and shared. */
  readonly result: VerifyResult;
  readonly granted: ReadonlySet<string>;
  /** Serve as fresh until this Unix ms. */
  readonly freshUntil: number;
  /** Serve on upstream failure (stale-if-error) until this Unix ms. */
  readonly staleUntil: number;
  /** Lazily built `INSUFFICIENT_PERMISSIONS` answer for this key, shared. */
  denied?: VerifyResult;
}

/**
 * A bounded LRU of verifications keyed by the SHA-256 of the key (never the key).
 * Expiry is kept on the entry and checked against `Date.now()`, so one clock
 * rules freshness and staleness, and entries past their stale window are dropped
 * when read.
 */
export class VerificationCache {
  readonly #lru: LRUCache<string, CacheEntry>;

  constructor(max: number) {
    this.#lru = new LRUCache<string, CacheEntry>({ max });
  }

  /** The entry for a hash, fresh or stale; drops it once past its stale window. */
  get(hash: string, now: number): CacheEntry | undefined {
    const entry = this.#lru.get(hash);
    if (entry !== undefined && now >= entry.staleUntil) {
      this.#lru.delete(hash);
      return undefined;
    }
    return entry;
  }

  set(hash: string, entry: CacheEntry): void {
    this.#lru.set(hash, entry);
  }

  delete(hash: string): void {
    this.#lru.delete(hash);
  }

  clear(): void {
    this.#lru.clear();
  }

  get size(): number {
    return this.#lru.size;
  }
}
