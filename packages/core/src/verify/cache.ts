import { createLRU } from "lru.min";
import type { SharedEntry } from "../options/shared-cache-option";
import type { VerifyResult } from "../types";

/** Answers that say the key cannot be used at all, whatever the route asks. */
export const NEGATIVE_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  "NOT_FOUND",
  "DISABLED",
  "EXPIRED",
]);

/** What {@link entryFor} needs of the verifier's options. */
export interface CachePolicy {
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly staleIfErrorMs: number;
}

/** Whether every verification of the key spends something (credits, an auto-applied limit). */
export const isMeteredKey = (result: VerifyResult) =>
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
  // Not RATE_LIMITED: Unkey's window slides (internal/services/ratelimit/ratelimit.go), so
  // a refusal may lift at any moment before the reset, and the answer cannot say when.
  return undefined;
}

/**
 * What of an entry other instances may share: what L1 keeps, except metered
 * keys (every request reaches Unkey) and `RATE_LIMITED` (a limit's state is
 * Unkey's to keep); `undefined` when nothing may be shared.
 */
export function sharedEntryOf(entry: CacheEntry, askedAt: number): SharedEntry | undefined {
  const { kind, result, freshUntil, staleUntil } = entry;
  if (kind === "valid" || (kind === "negative" && NEGATIVE_CODES.has(result.code)))
    return { kind, result, freshUntil, staleUntil, askedAt };
  return undefined;
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/**
 * The L1 entry for what a shared store gave back, or `undefined` when it is not
 * a well-formed, fresh entry of a kind that may be shared (a store is not
 * trusted to hold only what was written to it).
 */
export function entryFromShared(
  shared: unknown,
  now: number,
  policy?: CachePolicy,
): { entry: CacheEntry; askedAt: number } | undefined {
  if (typeof shared !== "object" || shared === null) return undefined;
  const { kind, result, freshUntil, staleUntil, askedAt } = shared as Record<string, unknown>;
  if (kind !== "valid" && kind !== "negative") return undefined;
  if (typeof freshUntil !== "number" || typeof staleUntil !== "number") return undefined;
  if (typeof askedAt !== "number" || !(askedAt <= freshUntil)) return undefined;
  if (!(freshUntil > now) || staleUntil < freshUntil) return undefined;
  if (typeof result !== "object" || result === null) return undefined;
  const r = result as Record<string, unknown>;
  if (typeof r.valid !== "boolean" || typeof r.code !== "string") return undefined;
  if (!isStringArray(r.permissions) || !isStringArray(r.roles)) return undefined;
  if (r.valid !== (r.code === "VALID") || r.valid !== (kind === "valid")) return undefined;
  if (kind === "negative" && !NEGATIVE_CODES.has(r.code)) return undefined;
  // A metered key is never shared: an entry saying otherwise was not written by keyguard.
  if (
    r.credits !== undefined ||
    (Array.isArray(r.ratelimits) && r.ratelimits.some((l) => l?.autoApply))
  )
    return undefined;
  const [fresh, stale] = policy
    ? withinPolicy(kind, freshUntil, staleUntil, now, askedAt, policy)
    : [freshUntil, staleUntil];
  if (!(fresh > now)) return undefined;
  return { entry: entry(kind, result as VerifyResult, fresh, stale), askedAt };
}

/**
 * The shared entry's windows cut to what this instance's policy allows, counted from when
 * Unkey was asked (`askedAt`), not from this read: an instance with a 1 s TTL must not serve
 * an answer another instance keeps for 10 s. `now` bounds it too, for a writer whose clock
 * runs ahead of this one's.
 */
function withinPolicy(
  kind: "valid" | "negative",
  freshUntil: number,
  staleUntil: number,
  now: number,
  askedAt: number,
  policy: CachePolicy,
): [number, number] {
  const ttl = kind === "valid" ? policy.ttlMs : policy.negativeTtlMs;
  const fresh = Math.min(freshUntil, askedAt + ttl, now + ttl);
  return [fresh, Math.min(staleUntil, fresh + (kind === "valid" ? policy.staleIfErrorMs : 0))];
}

/**
 * What the cache remembers about one key (by hash):
 * - `valid`: an unmetered valid key; every route's permission query is checked
 *   locally against `granted`;
 * - `negative`: `NOT_FOUND`, `DISABLED` or `EXPIRED`;
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

function link(index: Map<string, Set<string>>, name: string | undefined, hash: string): void {
  if (name === undefined) return;
  const hashes = index.get(name);
  if (hashes === undefined) index.set(name, new Set([hash]));
  else hashes.add(hash);
}

function unlink(index: Map<string, Set<string>>, name: string | undefined, hash: string): void {
  if (name === undefined) return;
  const hashes = index.get(name);
  hashes?.delete(hash);
  if (hashes?.size === 0) index.delete(name);
}

/**
 * A bounded LRU of verifications keyed by the SHA-256 of the key (never the key).
 * Expiry is kept on the entry and checked against `Date.now()`, so one clock
 * rules freshness and staleness, and entries past their stale window are dropped
 * when read.
 */
export class VerificationCache {
  readonly #lru: ReturnType<typeof createLRU<string, CacheEntry>>;
  // Indexes for invalidation by key id and by shared-cache id: kept on writes
  // and evictions, never touched by reads (the hot path).
  readonly #byKeyId = new Map<string, Set<string>>();
  readonly #byIdentity = new Map<string, Set<string>>();
  readonly #byShared = new Map<string, string>();
  readonly #sharedOf = new Map<string, readonly string[]>();

  constructor(max: number) {
    // lru.min, not lru-cache: the same bounded LRU in a tenth of the bytes (an edge bundle
    // carries it); `onEviction` runs on eviction, replacement, delete and clear, as the
    // indexes need.
    this.#lru = createLRU<string, CacheEntry>({
      max,
      onEviction: (hash, entry) => this.#unindex(hash, entry),
    });
  }

  #unindex(hash: string, entry: CacheEntry): void {
    unlink(this.#byKeyId, entry.result.keyId, hash);
    unlink(this.#byIdentity, entry.result.identity?.externalId, hash);
    const names = this.#sharedOf.get(hash);
    if (names !== undefined) {
      this.#sharedOf.delete(hash);
      for (const name of names) if (this.#byShared.get(name) === hash) this.#byShared.delete(name);
    }
  }

  /** The hashes of the entries about a key id. */
  hashesOf(keyId: string): readonly string[] {
    return [...(this.#byKeyId.get(keyId) ?? [])];
  }

  /** The hashes of the entries about keys of an identity (its `externalId`). */
  hashesOfIdentity(externalId: string): readonly string[] {
    return [...(this.#byIdentity.get(externalId) ?? [])];
  }

  /** The hash of the entry stored with this shared-cache name (see `SharedCache.namesOf`), if any. */
  hashOfShared(name: string): string | undefined {
    return this.#byShared.get(name);
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

  /** Stores an entry; `sharedNames` name it in the shared cache, so that its invalidation finds it. */
  set(hash: string, entry: CacheEntry, sharedNames?: readonly string[]): void {
    this.#lru.set(hash, entry); // disposes (and unindexes) the entry it replaces
    link(this.#byKeyId, entry.result.keyId, hash);
    link(this.#byIdentity, entry.result.identity?.externalId, hash);
    if (sharedNames !== undefined) {
      this.#sharedOf.set(hash, sharedNames);
      for (const name of sharedNames) this.#byShared.set(name, hash);
    }
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

/**
 * Whether a metered request's answer says a cached entry no longer holds: the
 * key is metered now (or no longer), a refusal was cleared, or its permissions
 * changed.
 */
export function outdates(entry: CacheEntry | undefined, result: VerifyResult): boolean {
  if (entry === undefined) return false;
  if (isMeteredKey(result)) return true;
  if (!result.valid) return false;
  if (entry.kind !== "valid") return true;
  const { permissions } = result;
  return (
    permissions.length !== entry.granted.size || permissions.some((p) => !entry.granted.has(p))
  );
}
