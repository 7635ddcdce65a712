// The Node build swaps this import for ../hash/node (see tsup.config.ts): same output, node:crypto speed.
import { hashKey } from "../hash/web";
import type { SharedCount } from "../options/shared-cache-option";
import {
  type ResolvedVerifierOptions,
  resolveVerifierOptions,
  type VerifierOptions,
} from "../options/verifier-options";
import type { PreparedRequest } from "../options/verify-request";
import { createTransport } from "../transport/transport";
import type { FailureMode, Logger, VerifierStats, VerifyRequest, VerifyResult } from "../types";
import { createCoalescedCall } from "./coalesced-call";
import { createDecide, type Decide } from "./decide";
import { createFailurePolicy } from "./failure-policy";
import { createForgetting } from "./invalidation";
import { createMeteredCall } from "./metered-call";
import { createRefunds, type Refunds } from "./refunds";
import { createDirectFill, createSharedFill } from "./shared-fill";
import { type CheckOptions, type CheckReport, runStartupCheck } from "./startup-check";
import { createUpstreamCall } from "./upstream-call";
import { createVerifierState } from "./verifier-state";

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
   * `invalidateKeyId` (of any key), `invalidateIdentity` or `clear()`, or an invalidation or reconnection heard
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

/** The options a verifier shows: every one but the credentials, the fetch, the logger and the store. */
function visibleOptions(resolved: ResolvedVerifierOptions): Verifier["options"] {
  const {
    rootKey: _rootKey,
    requestUrl: _requestUrl,
    fetch: _fetch,
    logger: _logger,
    sharedCache: _sharedCache,
    ...visible
  } = resolved;
  return Object.freeze(visible);
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
  const state = createVerifierState(resolved);
  const failure = createFailurePolicy(resolved, state);
  // The pipeline: decide (cache, else a miss) → a metered or a coalesced call → Unkey.
  const upstream = createUpstreamCall(resolved, transport, failure.fail);
  const fill =
    state.shared === undefined
      ? createDirectFill(state, upstream)
      : createSharedFill(state, state.shared, upstream, resolved.timeoutMs);
  const steps = createDecide(state, {
    coalesced: createCoalescedCall(state, fill, upstream, failure),
    metered: createMeteredCall(state, upstream),
    upstream,
  });
  const forgetting = createForgetting(state);
  const refunds = createRefunds(resolved);
  state.shared?.subscribe({
    message: (invalidation) => {
      if (typeof invalidation === "object" && invalidation !== null) forgetting.drop(invalidation);
    },
    // Messages may have been lost while the bus was away: nothing cached may be trusted.
    reconnected: forgetting.clear,
  });
  const verifier: Verifier = {
    verify: steps.verify,
    cached: steps.cached,
    invalidate: forgetting.invalidate,
    invalidateKeyId: forgetting.invalidateKeyId,
    invalidateIdentity: forgetting.invalidateIdentity,
    clear: forgetting.clear,
    invalidatedAt: () => state.revocations.latest,
    stats: () => ({
      ...state.counters,
      sharedErrors: state.shared?.errors ?? 0,
      upstreamCalls: transport.calls(),
      refunds: refunds.given(),
      refundFailures: refunds.failed(),
      size: state.cache?.size ?? 0,
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
    options: visibleOptions(resolved),
  };
  loggers.set(verifier, resolved.logger);
  deciders.set(verifier, steps.decide);
  const shared = state.shared;
  if (shared !== undefined)
    sharedCounters.set(verifier, (group, windowMs) => shared.count(group, windowMs));
  refunders.set(verifier, refunds);
  return verifier;
}

// Each verifier createVerifier() made, with its one-hash decide: the guard's hot path.
const deciders = /* @__PURE__ */ new WeakMap<Verifier, Decide>();
// And its logger, which the verifier does not expose: guards log through it.
const loggers = /* @__PURE__ */ new WeakMap<Verifier, Logger>();

// And, with a sharedCache, its counter of failure-budget events (see SharedTier.count).
type SharedCounter = (group: string, windowMs: number) => Promise<SharedCount | undefined>;
const sharedCounters = /* @__PURE__ */ new WeakMap<Verifier, SharedCounter>();

/** The shared counter a guard's failure budget uses: `undefined` without a `sharedCache`. */
export function sharedCounterOf(verifier: Verifier): SharedCounter | undefined {
  return sharedCounters.get(verifier);
}

// And its refunds, on its connection: guards whose routes refund give credits back through it.
const refunders = /* @__PURE__ */ new WeakMap<Verifier, Refunds>();

/** The refunds of a verifier from createVerifier(); `undefined` for any other (no connection to refund on). */
export function refundsOf(verifier: Verifier): Refunds | undefined {
  return refunders.get(verifier);
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
