import { VerifierError } from "../errors";
import { isPlausibleKey } from "../extract/key-format";
// The Node build swaps this import for ../hash/node (see tsup.config.ts): same output, node:crypto speed.
import { hashKey } from "../hash/web";
import {
  type ResolvedVerifierOptions,
  resolveVerifierOptions,
  type VerifierOptions,
} from "../options/verifier-options";
import { type PreparedRequest, prepareRequest } from "../options/verify-request";
import { holds, type PermissionQuery } from "../permissions/permission-query";
import { createTransport } from "../transport/transport";
import type { FailureMode, Logger, VerifierStats, VerifyRequest, VerifyResult } from "../types";
import {
  type CacheEntry,
  entryFor,
  isMeteredKey,
  NEGATIVE_CODES,
  outdates,
  VerificationCache,
} from "./cache";
import { InFlightCalls, type SharedAnswer } from "./inflight";
import { Announcements, meteredNews, refusesKey } from "./metered-news";
import { watchNotFound } from "./not-found-watch";
import { type Invalidation, type SharedCount, SharedTier } from "./shared-cache";
import { type CheckOptions, type CheckReport, runStartupCheck } from "./startup-check";

/** A verifier: one per app, shared by every route, so that they share one cache. */
export interface Verifier {
  /**
   * Verifies a key, from the cache when a fresh answer is there, else with one
   * (coalesced) call to Unkey. Rejects with a `VerifierError` when Unkey cannot
   * answer, unless a stale answer may be served.
   */
  verify(key: string, request?: VerifyRequest | PreparedRequest): Promise<VerifyResult>;
  /**
   * The hot path: the answer for `key` if the cache can give it right now,
   * synchronously; `undefined` when `verify` must be called.
   */
  cached(key: string, request?: VerifyRequest | PreparedRequest): VerifyResult | undefined;
  /**
   * Forgets what the cache knows about a key (for example right after revoking
   * it); with a `sharedCache`, on every instance. Resolves once the shared cache
   * has been told (never rejects).
   */
  invalidate(key: string): Promise<void>;
  /**
   * Forgets what the cache knows about the key with this Unkey key id: what a
   * revocation flow knows (it never sees the plaintext key). With a
   * `sharedCache`, every instance drops it within milliseconds.
   *
   * @example
   * ```ts
   * await unkey.keys.updateKey({ keyId, enabled: false });
   * await verifier.invalidateKeyId(keyId);
   * ```
   */
  invalidateKeyId(keyId: string): Promise<void>;
  /**
   * Forgets what the cache knows about every key of an identity (its `externalId`, as
   * Unkey's `identity.externalId`): suspending a customer without knowing their key ids.
   * With a `sharedCache`, every instance drops them; a verification in flight is not
   * cached. Rejects with a `TypeError` unless `externalId` is a non-empty string.
   *
   * @example
   * ```ts
   * await verifier.invalidateIdentity("customer_42");
   * ```
   */
  invalidateIdentity(externalId: string): Promise<void>;
  /** Empties the cache. */
  clear(): void;
  /**
   * When this verifier last forgot what it knew (Unix ms): its latest `invalidate`,
   * `invalidateKeyId` (of any key) or `clear()`, or an invalidation or reconnection heard
   * on the `sharedCache`; `0` if never. An answer obtained at or before it may predate a
   * revocation: `@keyguard/next` route handlers refuse a hand-off signed by then.
   *
   * @example
   * ```ts
   * await verifier.invalidateKeyId(keyId);
   * verifier.invalidatedAt(); // Date.now() at that call
   * ```
   */
  invalidatedAt(): number;
  stats(): VerifierStats;
  /**
   * An opt-in start-up check: one call to Unkey, with a made-up key (or the `key` given),
   * that shows a wrong root key or an unreachable `baseUrl` now rather than at the first
   * request. Resolves with a {@link CheckReport} (what was checked, what cannot be told);
   * rejects with a `VerifierError` whose message says what to fix, naming where the root
   * key and base URL came from, never the key. Bypasses the cache; logs nothing.
   *
   * @example
   * ```ts
   * const verifier = createVerifier();
   * console.log((await verifier.check()).summary); // or let a rejection stop the start
   * ```
   */
  check(options?: CheckOptions): Promise<CheckReport>;
  /** How the guard answers when Unkey cannot: from the `failureMode` option. */
  readonly failureMode: FailureMode;
  /**
   * A one-way digest of the root key (SHA-256 under a keyguard-only prefix, hex): tells
   * whether two verifiers verify with the same root key without exposing it.
   * `@keyguard/next` binds the context its middleware hands to route handlers to it.
   */
  readonly rootKeyDigest: string;
  /** The options in force, defaults applied (the root key is not exposed). */
  readonly options: Omit<
    ResolvedVerifierOptions,
    "rootKey" | "requestUrl" | "fetch" | "logger" | "sharedCache"
  >;
}

// Domain separation: this digest can never equal the cache's digest of an API key.
const ROOT_KEY_DIGEST_PREFIX = "keyguard.verifier.root-key.v1.";

/** How often an ongoing outage is logged, at most. */
const UNAVAILABLE_LOG_INTERVAL_MS = 30_000;

/**
 * How long an invalidation is remembered, so that an answer to a call made
 * before it (arriving later) is not cached: longer than any store or Unkey call.
 */
const REVOKED_MEMORY_MS = 60_000;

const MALFORMED: VerifyResult = Object.freeze({
  valid: false,
  code: "MALFORMED_KEY",
  roles: Object.freeze([]),
  permissions: Object.freeze([]),
  source: "local",
});

function variant(result: VerifyResult, changes: Partial<VerifyResult>): VerifyResult {
  return Object.freeze({ ...result, ...changes });
}

function answerFrom(entry: CacheEntry, query: PermissionQuery | undefined): VerifyResult {
  if (query !== undefined && entry.kind === "valid" && !holds(query, entry.granted)) {
    entry.denied ??= variant(entry.result, { valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    return entry.denied;
  }
  return entry.result;
}

/** Whether a cached entry may answer a request: metered requests take only a key's refusal. */
function serves(entry: CacheEntry, request: PreparedRequest): boolean {
  if (entry.kind === "metered") return false;
  // No credits or limits apply to a key that does not exist, is disabled or expired.
  return !request.metered || (entry.kind === "negative" && NEGATIVE_CODES.has(entry.result.code));
}

// What a caller who waited on someone else's upstream call may take from its answer.
function shareable(
  shared: SharedAnswer,
  request: PreparedRequest,
  leaderQuery: string | undefined,
): VerifyResult | undefined {
  const { result, entry } = shared;
  if (entry !== undefined && entry.kind !== "metered") return answerFrom(entry, request.query);
  if (NEGATIVE_CODES.has(result.code) || result.code === "FORBIDDEN") return result;
  if (result.code === "INSUFFICIENT_PERMISSIONS" && leaderQuery === request.querySource)
    return result;
  // A metered key (credits, rate limits) or an answer about another query: ask Unkey ourselves.
  return undefined;
}

/**
 * Creates a verifier: Unkey's `keys.verifyKey` behind a bounded short-TTL cache
 * with request coalescing. Create one per app and share it; a verifier created
 * per request has an empty cache every time. Options are validated here.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ rootKey: process.env.UNKEY_ROOT_KEY, cache: { ttlMs: 5_000 } });
 * const result = await verifier.verify(key, { permissions: "docs.read" });
 * if (result.valid) console.log(result.keyId, result.source); // "upstream", then "cache"
 * ```
 */
export function createVerifier(options?: VerifierOptions): Verifier {
  const resolved = resolveVerifierOptions(options);
  const transport = createTransport(resolved);
  const policy =
    resolved.cache === false
      ? undefined
      : {
          ttlMs: resolved.cache.ttlMs,
          negativeTtlMs: resolved.cache.negativeTtlMs,
          staleIfErrorMs: resolved.staleIfErrorMs,
        };
  const cache = resolved.cache === false ? undefined : new VerificationCache(resolved.cache.max);
  const inflight = new InFlightCalls();
  const shared =
    resolved.sharedCache === undefined
      ? undefined
      : new SharedTier(
          resolved.sharedCache,
          resolved.logger,
          // A migrationId changes what Unkey answers for a legacy key (NOT_FOUND without it).
          hashKey(`${resolved.requestUrl}\n${resolved.rootKey}\n${resolved.migrationId ?? ""}`),
          policy,
        );
  // Invalidations by shared id ("i:…"), key id ("k:…") and identity ("x:…"), with when they happened.
  const revoked = new Map<string, number>();
  // The latest invalidation of any kind: what a hand-off made before it cannot vouch for.
  let invalidatedAt = 0;
  // Shared ids of the upstream calls in flight, so that a remote invalidation detaches them.
  const filling = new Map<string, string>();
  const observe = watchNotFound(resolved.logger);
  const announcements = new Announcements();
  const counters = {
    hits: 0,
    misses: 0,
    coalesced: 0,
    sharedHits: 0,
    failures: 0,
    staleServed: 0,
    refusedLocally: 0,
  };
  let misconfigurationLogged = false;
  let unavailableLoggedAt = Number.NEGATIVE_INFINITY;

  /** Keeps what the policy allows of an upstream answer, replacing (or dropping) the older entry. */
  function remember(
    hash: string,
    result: VerifyResult,
    sharedNames?: readonly string[],
  ): CacheEntry | undefined {
    if (!cache || !policy) return undefined;
    const entry = entryFor(result, Date.now(), policy);
    if (entry === undefined) cache.delete(hash);
    else cache.set(hash, entry, sharedNames);
    return entry;
  }

  // Remembered at least as long as a shared entry can live, so none outlives its revocation.
  const revokedMemoryMs = Math.max(
    REVOKED_MEMORY_MS,
    policy === undefined ? 0 : policy.ttlMs + policy.staleIfErrorMs,
  );

  function markRevoked(name: string, now: number): void {
    revoked.delete(name); // re-inserted last: the map stays in time order
    revoked.set(name, now);
    for (const [old, at] of revoked) {
      if (now - at < revokedMemoryMs) break;
      revoked.delete(old);
    }
  }

  /**
   * Whether an invalidation of one of these shared names, or of the answer's key id or
   * identity, happened at or after `since`.
   */
  function revokedSince(
    since: number,
    names: readonly string[],
    result: VerifyResult | undefined,
  ): boolean {
    if (revoked.size === 0) return false;
    const at = (name: string) => (revoked.get(name) ?? Number.NEGATIVE_INFINITY) >= since;
    if (names.some((name) => at(`i:${name}`))) return true;
    if (result?.keyId !== undefined && at(`k:${result.keyId}`)) return true;
    const externalId = result?.identity?.externalId;
    return externalId !== undefined && at(`x:${externalId}`);
  }

  /** Drops what this instance knows about the keys named (an invalidation, local or from the bus). */
  function drop(target: Invalidation): void {
    const now = Date.now();
    invalidatedAt = now;
    // An id may name the entry under several secrets (a store rotating its secret):
    // the instance that sent it may know the key by only one of them.
    const names = (target.ids ?? []).flatMap((id) => shared?.namesOf(id) ?? [id]);
    for (const name of names) {
      markRevoked(`i:${name}`, now);
      for (const hash of [cache?.hashOfShared(name), filling.get(name)]) {
        if (hash === undefined) continue;
        inflight.detach(hash);
        cache?.delete(hash);
      }
    }
    for (const keyId of target.keyIds ?? []) {
      markRevoked(`k:${keyId}`, now);
      forgetHashes(cache?.hashesOf(keyId));
    }
    for (const externalId of target.externalIds ?? []) {
      if (typeof externalId !== "string") continue; // a malformed message names nothing
      markRevoked(`x:${externalId}`, now);
      forgetHashes(cache?.hashesOfIdentity(externalId));
    }
  }

  function forgetHashes(hashes: readonly string[] | undefined): void {
    for (const hash of hashes ?? []) {
      inflight.detach(hash);
      cache?.delete(hash);
    }
  }

  /**
   * Whether an answer to a call started at `startedAt` may be cached: no invalidation of its
   * id or key id since. A call in flight reveals its key id only with its answer, so this is
   * checked then; an answer not kept is not shared with callers who joined the call either
   * (they ask Unkey themselves, see `shareable`).
   */
  function keep(
    startedAt: number,
    attached: () => boolean,
    names: readonly string[],
    result: VerifyResult,
  ) {
    return attached() && !revokedSince(startedAt, names, result);
  }

  function clear(): void {
    invalidatedAt = Date.now();
    inflight.detachAll();
    cache?.clear();
  }

  shared?.subscribe({
    message: (invalidation) => {
      if (typeof invalidation === "object" && invalidation !== null) drop(invalidation);
    },
    // Messages may have been lost while the bus was away: nothing cached may be trusted.
    reconnected: clear,
  });

  /**
   * A metered request's answer is never cached as an allow (it spent credits or
   * limits), but what it says of the key reaches the entry `/plain` serves:
   * a refusal of the key replaces it, so a revocation seen on `/paid` is not
   * contradicted by `/plain`'s cache; an answer showing the key now has credits
   * (or an auto-applied limit) leaves the "metered" marker, so `/plain` charges
   * it from then on; and a metered refusal (`USAGE_EXCEEDED`, an auto-applied
   * limit's `RATE_LIMITED`), another permission set or a cleared refusal drops
   * the entry, so the next request asks Unkey.
   */
  function rememberMetered(hash: string, result: VerifyResult): void {
    if (!cache) return;
    if (NEGATIVE_CODES.has(result.code) || result.code === "FORBIDDEN") remember(hash, result);
    else if (result.valid && isMeteredKey(result)) remember(hash, result);
    else if (outdates(cache.get(hash, Date.now()), result)) cache.delete(hash);
  }

  const outOfTime = () =>
    new VerifierError(
      "VERIFIER_UNAVAILABLE",
      `No answer within ${resolved.timeoutMs} ms: the time went waiting for another instance's verification of this key (sharedCache).`,
    );

  /**
   * Says why requests are refused, once for a misconfiguration and at most every
   * {@link UNAVAILABLE_LOG_INTERVAL_MS} for an outage, naming the URL called
   * (a root key for the emulator with the default `baseUrl` looks like either).
   */
  function report(error: unknown): void {
    if (!(error instanceof VerifierError)) return;
    const where = `(${resolved.verifyUrl})`;
    if (error.code === "VERIFIER_MISCONFIGURED") {
      if (misconfigurationLogged) return;
      misconfigurationLogged = true;
      resolved.logger.error(
        `[keyguard] ${error.message} ${where} Every guarded request answers 500 until this is fixed.`,
      );
    } else if (Date.now() - unavailableLoggedAt >= UNAVAILABLE_LOG_INTERVAL_MS) {
      unavailableLoggedAt = Date.now();
      resolved.logger.warn(
        `[keyguard] ${error.message} ${where} Guarded requests are refused with 503 while this lasts` +
          (resolved.failureMode === "open"
            ? " (or let through flagged, where fail-open applies)."
            : "."),
      );
    }
  }

  /**
   * What a metered route learnt about a key reaches the shared tier, as an unmetered miss's
   * answer does: a refusal is shared (every instance reading the store refuses the key), and
   * news (a refusal, the key metered now, other permissions) makes every instance drop what
   * it holds for the key, as `invalidateKeyId` does, once per change.
   */
  function shareMetered(
    tier: SharedTier,
    key: string,
    hash: string,
    before: CacheEntry | undefined,
    result: VerifyResult,
    askedAt: number,
  ): void {
    const news = meteredNews(before, result);
    const refused = refusesKey(result);
    if (news === undefined && !refused) return;
    const id = tier.idFor(key);
    if (
      news !== undefined &&
      announcements.take(`${result.code}:${news.keyId ?? id}`, Date.now())
    ) {
      void tier.invalidate({ ids: [id], keyIds: news.keyId === undefined ? [] : [news.keyId] });
    } else if (refused) tier.write(id, cache?.get(hash, Date.now()), askedAt);
  }

  function onFailure(error: unknown): never {
    counters.failures++;
    report(error);
    throw error;
  }

  /** One call to Unkey; `deadline` (Unix ms) bounds it when part of the budget is spent. */
  function direct(key: string, request: PreparedRequest, deadline?: number): Promise<VerifyResult> {
    const left = deadline === undefined ? resolved.timeoutMs : deadline - Date.now();
    if (left < 1) return Promise.reject(outOfTime()).catch(onFailure);
    return transport
      .verifyKey(
        {
          key,
          permissions: request.querySource,
          tags: request.tags,
          credits: request.cost === undefined ? undefined : { cost: request.cost },
          ratelimits: request.ratelimits,
          migrationId: resolved.migrationId,
        },
        left,
      )
      .then((result) => {
        observe(result);
        return result;
      }, onFailure);
  }

  /**
   * A stale answer in place of a failure, only in an outage (the rule fail-open follows):
   * while Unkey answers other calls, the failed call may be the one asking about a key
   * revoked since, so its stale VALID is never served.
   */
  function staleOr(error: unknown, hash: string, request: PreparedRequest): VerifyResult {
    const entry = cache?.get(hash, Date.now());
    const outage = !(error instanceof VerifierError) || error.outage;
    if (entry?.kind === "valid" && resolved.staleIfErrorMs > 0 && outage) {
      counters.staleServed++;
      return variant(answerFrom(entry, request.query), { source: "stale" });
    }
    throw error;
  }

  /** The fresh cached answer for a hash, if the cache may give this request one. */
  function lookup(hash: string, request: PreparedRequest): VerifyResult | undefined {
    if (cache === undefined) return undefined;
    const now = Date.now();
    const entry = cache.get(hash, now);
    if (entry === undefined || now >= entry.freshUntil || !serves(entry, request)) return undefined;
    counters.hits++;
    return answerFrom(entry, request.query);
  }

  function cached(
    key: string,
    request?: VerifyRequest | PreparedRequest,
  ): VerifyResult | undefined {
    if (!isPlausibleKey(key)) {
      counters.refusedLocally++;
      return MALFORMED;
    }
    if (cache === undefined) return undefined;
    return lookup(hashKey(key), prepareRequest(request as VerifyRequest | undefined));
  }

  /** One upstream call per key at a time; callers of the same key wait on it. */
  function coalesced(hash: string, key: string, request: PreparedRequest): Promise<VerifyResult> {
    const pending = inflight.get(hash);
    if (pending !== undefined) {
      counters.coalesced++;
      return pending.promise.then(
        (shared) => shareable(shared, request, pending.query) ?? direct(key, request),
        (error) => staleOr(error, hash, request),
      );
    }
    const call = inflight.start(hash, request.querySource, (attached) => {
      if (shared !== undefined) return throughShared(shared, hash, key, request, attached);
      const startedAt = Date.now();
      return direct(key, request).then((result) => ({
        result,
        // An answer to a call made before `invalidate`/`invalidateKeyId`/`clear` may predate a revocation.
        entry: keep(startedAt, attached, [], result) ? remember(hash, result) : undefined,
      }));
    });
    return call.promise.then(
      ({ result, entry }) =>
        entry !== undefined && result.source === "cache"
          ? answerFrom(entry, request.query)
          : result,
      (error) => staleOr(error, hash, request),
    );
  }

  /**
   * An L1 miss with a shared cache: its entry if another instance has one (or is
   * getting one: wait for it), else Unkey, whose answer is shared as L1 keeps it.
   */
  async function throughShared(
    tier: SharedTier,
    hash: string,
    key: string,
    request: PreparedRequest,
    attached: () => boolean,
  ): Promise<SharedAnswer> {
    const startedAt = Date.now();
    const id = tier.idFor(key);
    const names = tier.namesOf(id);
    for (const name of names) filling.set(name, hash);
    try {
      const shared = await tier.find(id, resolved.timeoutMs);
      const found = shared?.entry;
      // An entry whose upstream call started before a revocation heard here (it raced the
      // invalidation's DEL) is refused and deleted, whoever wrote it.
      const stale = shared !== undefined && revokedSince(shared.askedAt, names, found?.result);
      if (stale) tier.forget(id);
      if (
        found !== undefined &&
        !stale &&
        attached() &&
        !revokedSince(startedAt, names, found.result)
      ) {
        counters.sharedHits++;
        cache?.set(hash, found, names);
        return { result: found.result, entry: found };
      }
      let entry: CacheEntry | undefined;
      try {
        // One budget for the whole verification: the wait for another instance's call included.
        const result = await direct(key, request, startedAt + resolved.timeoutMs);
        // An answer to a call made before an invalidation may predate a revocation.
        if (!keep(startedAt, attached, names, result)) return { result };
        entry = remember(hash, result, names);
        return { result, entry };
      } finally {
        // Always written or deleted, which also frees the lease: instances waiting on it go on at once.
        tier.write(id, entry, startedAt);
      }
    } finally {
      for (const name of names) if (filling.get(name) === hash) filling.delete(name);
    }
  }

  async function verify(
    key: string,
    request?: VerifyRequest | PreparedRequest,
  ): Promise<VerifyResult> {
    if (typeof key !== "string" || !isPlausibleKey(key)) {
      counters.refusedLocally++;
      return MALFORMED;
    }
    return decide(key, prepareRequest(request as VerifyRequest | undefined));
  }

  /** The cache's answer now, or the verification: the key is hashed once either way. */
  function decide(key: string, prepared: PreparedRequest): VerifyResult | Promise<VerifyResult> {
    if (cache === undefined) return miss(undefined, key, prepared);
    const hash = hashKey(key); // once per request
    return lookup(hash, prepared) ?? miss(hash, key, prepared);
  }

  // Async, so that anything thrown on the way to Unkey is a rejection, as from verify().
  async function miss(
    hash: string | undefined,
    key: string,
    prepared: PreparedRequest,
  ): Promise<VerifyResult> {
    counters.misses++;
    if (hash === undefined || cache === undefined) return direct(key, prepared);
    const known = cache.get(hash, Date.now());
    if (prepared.metered || (known?.kind === "metered" && Date.now() < known.freshUntil)) {
      const askedAt = Date.now();
      return direct(key, prepared).then((result) => {
        const before = cache.get(hash, Date.now());
        rememberMetered(hash, result);
        if (shared !== undefined) shareMetered(shared, key, hash, before, result, askedAt);
        return result;
      });
    }
    return coalesced(hash, key, prepared);
  }

  const {
    rootKey: _rootKey,
    requestUrl: _requestUrl,
    fetch: _fetch,
    logger: _logger,
    sharedCache: _sharedCache,
    ...visible
  } = resolved;
  const verifier: Verifier = {
    verify,
    cached,
    invalidate: async (key: string) => {
      if (typeof key !== "string") return;
      // Recorded with or without a cache: a hand-off may carry an answer given before.
      invalidatedAt = Date.now();
      if (cache === undefined) return;
      const hash = hashKey(key);
      inflight.detach(hash);
      cache.delete(hash);
      if (shared === undefined || !isPlausibleKey(key)) return;
      const target = { ids: [shared.idFor(key)] };
      drop(target);
      await shared.invalidate(target);
    },
    invalidateKeyId: async (keyId: string) => {
      if (typeof keyId !== "string" || keyId === "") return;
      const target = { keyIds: [keyId] };
      drop(target);
      await shared?.invalidate(target);
    },
    invalidateIdentity: async (externalId: string) => {
      if (typeof externalId !== "string" || externalId === "")
        throw new TypeError(
          `invalidateIdentity(externalId): expected the identity's externalId, a non-empty string; got ${externalId === "" ? "an empty string" : typeof externalId}.`,
        );
      const target = { externalIds: [externalId] };
      drop(target);
      await shared?.invalidate(target);
    },
    clear,
    invalidatedAt: () => invalidatedAt,
    stats: () => ({
      ...counters,
      sharedErrors: shared?.errors ?? 0,
      upstreamCalls: transport.calls(),
      size: cache?.size ?? 0,
    }),
    check: (checkOptions?: CheckOptions) =>
      runStartupCheck(
        {
          url: resolved.verifyUrl,
          origins: resolved.origins,
          migrationId: resolved.migrationId,
          verifyKey: (body) => transport.verifyKey(body),
        },
        checkOptions,
      ),
    failureMode: resolved.failureMode,
    rootKeyDigest: hashKey(ROOT_KEY_DIGEST_PREFIX + resolved.rootKey),
    options: Object.freeze(visible),
  };
  loggers.set(verifier, resolved.logger);
  if (shared !== undefined)
    sharedCounters.set(verifier, (group, windowMs) => shared.count(group, windowMs));
  deciders.set(verifier, (key, prepared) => {
    if (!isPlausibleKey(key)) {
      counters.refusedLocally++;
      return MALFORMED;
    }
    // A route the guard did not compile is validated, as cached() and verify() do.
    return decide(key, prepareRequest(prepared as VerifyRequest | PreparedRequest | undefined));
  });
  return verifier;
}

/** A verifier's cache lookup and, on a miss, its verification, with the key hashed once. */
export type Decide = (
  key: string,
  prepared: PreparedRequest,
) => VerifyResult | Promise<VerifyResult>;

// Each verifier createVerifier() made, with its one-hash decide: the guard's hot path.
const deciders = new WeakMap<Verifier, Decide>();
// And its logger, which the verifier does not expose: guards log through it.
const loggers = new WeakMap<Verifier, Logger>();

// And, with a sharedCache, its counter of failure-budget events (see SharedTier.count).
const sharedCounters = new WeakMap<
  Verifier,
  (group: string, windowMs: number) => Promise<SharedCount | undefined>
>();

/** The shared counter a guard's failure budget uses: `undefined` without a `sharedCache`. */
export function sharedCounterOf(
  verifier: Verifier,
): ((group: string, windowMs: number) => Promise<SharedCount | undefined>) | undefined {
  return sharedCounters.get(verifier);
}

/** The logger a verifier from createVerifier() reports to; `console` for any other. */
export function loggerOf(verifier: Verifier): Logger {
  return loggers.get(verifier) ?? console;
}

/**
 * What a guard asks a verifier per request: `decideFor(verifier)` is the verifier's own
 * one-hash path when createVerifier() made it, else `cached` then `verify` (a verifier-like
 * object the user built).
 */
export function decideFor(verifier: Verifier): Decide {
  return (
    deciders.get(verifier) ??
    ((key, prepared) => verifier.cached(key, prepared) ?? verifier.verify(key, prepared))
  );
}
