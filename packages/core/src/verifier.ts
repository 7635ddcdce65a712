import { type CacheEntry, VerificationCache } from "./cache";
import { VerifierError } from "./errors";
import { isPlausibleKey } from "./key-format";
import {
  type ResolvedVerifierOptions,
  resolveVerifierOptions,
  type VerifierOptions,
} from "./options";
import { holds, type PermissionQuery } from "./permission-query";
import { createTransport } from "./transport";
import type { FailureMode, VerifierStats, VerifyRequest, VerifyResult } from "./types";
import { type PreparedRequest, prepareRequest } from "./verify-request";

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
  /** Forgets what the cache knows about a key (for example right after revoking it). */
  invalidate(key: string): void;
  /** Empties the cache. */
  clear(): void;
  stats(): VerifierStats;
  /** How the guard answers when Unkey cannot: from the `failureMode` option. */
  readonly failureMode: FailureMode;
  /** The options in force, defaults applied (the root key is not exposed). */
  readonly options: Omit<ResolvedVerifierOptions, "rootKey" | "fetch" | "logger">;
}

const MALFORMED: VerifyResult = Object.freeze({
  valid: false,
  code: "MALFORMED_KEY",
  roles: Object.freeze([]),
  permissions: Object.freeze([]),
  source: "local",
});

const NEGATIVE_CODES: ReadonlySet<string> = new Set(["NOT_FOUND", "DISABLED", "EXPIRED"]);

const isMeteredKey = (result: VerifyResult) =>
  result.credits !== undefined || (result.ratelimits?.some((r) => r.autoApply) ?? false);

function variant(result: VerifyResult, changes: Partial<VerifyResult>): VerifyResult {
  return Object.freeze({ ...result, ...changes });
}

function answerFrom(entry: CacheEntry, query: PermissionQuery | undefined): VerifyResult {
  // Unkey checks permissions before rate limits, so a cached RATE_LIMITED still
  // answers INSUFFICIENT_PERMISSIONS on a route the key may not use.
  const permissionsApply = entry.kind === "valid" || entry.result.code === "RATE_LIMITED";
  if (query !== undefined && permissionsApply && !holds(query, entry.granted)) {
    entry.denied ??= variant(entry.result, { valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    return entry.denied;
  }
  return entry.result;
}

/**
 * Builds a verifier around a hash function (the package entry points supply
 * `node:crypto` on Node and @noble/hashes elsewhere).
 */
export function buildVerifier(
  options: VerifierOptions | undefined,
  hashKey: (key: string) => string,
): Verifier {
  const resolved = resolveVerifierOptions(options);
  const transport = createTransport(resolved);
  const settings = resolved.cache;
  const cache = settings === false ? undefined : new VerificationCache(settings.max);
  const inflight = new Map<string, Promise<{ result: VerifyResult; entry?: CacheEntry }>>();
  // The permission query each in-flight call was made with, so waiters know what its answer covers.
  const leaderQueries = new WeakMap<Promise<unknown>, string | undefined>();
  const counters = {
    hits: 0,
    misses: 0,
    coalesced: 0,
    failures: 0,
    staleServed: 0,
    refusedLocally: 0,
  };
  let misconfigurationLogged = false;

  function store(hash: string, result: VerifyResult, now: number): CacheEntry | undefined {
    if (!cache || !settings) return undefined;
    const asCached = (kind: CacheEntry["kind"], freshUntil: number, staleUntil: number) => {
      const entry: CacheEntry = {
        kind,
        result: variant(result, { source: "cache" }),
        granted: new Set(result.permissions),
        freshUntil,
        staleUntil,
      };
      cache.set(hash, entry);
      return entry;
    };
    if (result.valid) {
      if (isMeteredKey(result))
        return asCached("metered", now + settings.ttlMs, now + settings.ttlMs);
      // A cached answer never outlives the key's own expiry.
      const expires = result.expires ?? Number.POSITIVE_INFINITY;
      const freshUntil = Math.min(now + settings.ttlMs, expires);
      if (freshUntil <= now) {
        cache.delete(hash);
        return undefined;
      }
      return asCached("valid", freshUntil, Math.min(freshUntil + resolved.staleIfErrorMs, expires));
    }
    if (NEGATIVE_CODES.has(result.code) && settings.negativeTtlMs > 0) {
      const until = now + settings.negativeTtlMs;
      return asCached("negative", until, until);
    }
    if (result.code === "RATE_LIMITED") {
      // Refused locally until the exceeded window resets, and no longer than the TTL.
      let reset = 0;
      for (const limit of result.ratelimits ?? [])
        if (limit.exceeded) reset = Math.max(reset, limit.reset);
      const until = Math.min(reset, now + settings.ttlMs);
      if (until > now) return asCached("negative", until, until);
    }
    // Any other answer says the key changed: never keep serving an older valid entry.
    cache.delete(hash);
    return undefined;
  }

  function onFailure(error: unknown): never {
    counters.failures++;
    if (
      error instanceof VerifierError &&
      error.code === "VERIFIER_MISCONFIGURED" &&
      !misconfigurationLogged
    ) {
      misconfigurationLogged = true;
      resolved.logger.error(
        `[keyguard] ${error.message} Every guarded request answers 500 until this is fixed.`,
      );
    }
    throw error;
  }

  function direct(key: string, request: PreparedRequest): Promise<VerifyResult> {
    return transport
      .verifyKey({
        key,
        permissions: request.querySource,
        tags: request.tags,
        credits: request.cost === undefined ? undefined : { cost: request.cost },
        ratelimits: request.ratelimits,
      })
      .catch(onFailure);
  }

  function staleOr(error: unknown, hash: string, request: PreparedRequest): VerifyResult {
    const entry = cache?.get(hash, Date.now());
    if (entry?.kind === "valid" && resolved.staleIfErrorMs > 0) {
      counters.staleServed++;
      return variant(answerFrom(entry, request.query), { source: "stale" });
    }
    throw error;
  }

  // What a caller who waited on someone else's upstream call may take from its answer.
  function shareable(
    shared: { result: VerifyResult; entry?: CacheEntry },
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

  function cached(
    key: string,
    request?: VerifyRequest | PreparedRequest,
  ): VerifyResult | undefined {
    if (!isPlausibleKey(key)) {
      counters.refusedLocally++;
      return MALFORMED;
    }
    if (cache === undefined) return undefined;
    const prepared = prepareRequest(request as VerifyRequest | undefined);
    if (prepared.metered) return undefined;
    const now = Date.now();
    const entry = cache.get(hashKey(key), now);
    if (entry === undefined || entry.kind === "metered" || now >= entry.freshUntil)
      return undefined;
    counters.hits++;
    return answerFrom(entry, prepared.query);
  }

  async function verify(
    key: string,
    request?: VerifyRequest | PreparedRequest,
  ): Promise<VerifyResult> {
    if (typeof key !== "string") return MALFORMED;
    const hit = cached(key, request);
    if (hit !== undefined) return hit;
    counters.misses++;
    const prepared = prepareRequest(request as VerifyRequest | undefined);
    if (cache === undefined || prepared.metered) return direct(key, prepared);

    const hash = hashKey(key);
    const known = cache.get(hash, Date.now());
    if (known?.kind === "metered" && Date.now() < known.freshUntil) return direct(key, prepared);

    const pending = inflight.get(hash);
    if (pending !== undefined) {
      counters.coalesced++;
      const leaderQuery = leaderQueries.get(pending);
      return pending.then(
        (shared) => shareable(shared, prepared, leaderQuery) ?? direct(key, prepared),
        (error) => staleOr(error, hash, prepared),
      );
    }

    const leader = direct(key, prepared).then((result) => ({
      result,
      entry: store(hash, result, Date.now()),
    }));
    inflight.set(hash, leader);
    leaderQueries.set(leader, prepared.querySource);
    const done = () => {
      if (inflight.get(hash) === leader) inflight.delete(hash);
    };
    leader.then(done, done);
    return leader.then(
      ({ result }) => result,
      (error) => staleOr(error, hash, prepared),
    );
  }

  const { rootKey: _rootKey, fetch: _fetch, logger: _logger, ...visible } = resolved;
  return {
    verify,
    cached,
    invalidate: (key: string) => {
      if (typeof key === "string") cache?.delete(hashKey(key));
    },
    clear: () => cache?.clear(),
    stats: () => ({
      ...counters,
      upstreamCalls: transport.calls(),
      size: cache?.size ?? 0,
    }),
    failureMode: resolved.failureMode,
    options: Object.freeze(visible),
  };
}
