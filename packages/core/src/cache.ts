import { LRUCache } from "lru-cache";
import type { VerifyResult } from "./types";

/** Answers that say the key cannot be used at all, whatever the route asks. */
export const NEGATIVE_CODES: ReadonlySet<string> = new Set(["NOT_FOUND", "DISABLED", "EXPIRED"]);

/** What {@link entryFor} needs of the verifier's options. */
export interface CachePolicy {
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly staleIfErrorMs: number;
}

const isMeteredKey = (result: VerifyResult) =>
  result.credits !== undefined || (result.ratelimits?.some((r) => r.autoApply) ?? false);

/**
 * The answer as the cache serves it: computed here, not by Unkey, so it carries
 * no Unkey `requestId` (quoting an older call's id to Unkey's support would mislead).
 */
function servedFromCache(result: VerifyResult): VerifyResult {
  const { requestId: _upstreamCall, ...rest } = result;
  return Object.freeze({ ...rest, source: "cache" });
}

function entry(
  kind: CacheEntry["kind"],
  result: VerifyResult,
  freshUntil: number,
  staleUntil: number,
): CacheEntry {
  return {
    kind,
    result: servedFromCache(result),
    granted: new Set(result.permissions),
    freshUntil,
    staleUntil,
  };
}

/** Until when a `RATE_LIMITED` answer may refuse locally: the latest exceeded reset, within the TTL. */
function rateLimitedUntil(result: VerifyResult, now: number, ttlMs: number): number {
  let reset = 0;
  for (const limit of result.ratelimits ?? [])
    if (limit.exceeded) reset = Math.max(reset, limit.reset);
  return Math.min(reset, now + ttlMs);
}

/**
 * The cache policy, as a pure function: the entry to keep for an upstream
 * answer, or `undefined` when nothing may be kept (and any older entry must go,
 * since the answer says the key changed).
 */
export function entryFor(
  result: VerifyResult,
  now: number,
  policy: CachePolicy,
): CacheEntry | undefined {
  if (result.valid) {
    if (isMeteredKey(result))
      return entry("metered", result, now + policy.ttlMs, now + policy.ttlMs);
    // A cached answer never outlives the key's own expiry.
    const expires = result.expires ?? Number.POSITIVE_INFINITY;
    const freshUntil = Math.min(now + policy.ttlMs, expires);
    if (freshUntil <= now) return undefined;
    return entry(
      "valid",
      result,
      freshUntil,
      Math.min(freshUntil + policy.staleIfErrorMs, expires),
    );
  }
  if (NEGATIVE_CODES.has(result.code) && policy.negativeTtlMs > 0) {
    const until = now + policy.negativeTtlMs;
    return entry("negative", result, until, until);
  }
  if (result.code === "RATE_LIMITED") {
    const until = rateLimitedUntil(result, now, policy.ttlMs);
    if (until > now) return entry("negative", result, until, until);
  }
  return undefined;
}

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
