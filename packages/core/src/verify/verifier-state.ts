// The Node build swaps this import for ../hash/node (see tsup.config.ts): same output, node:crypto speed.
import { hashKey } from "../hash/web";
import type { ResolvedVerifierOptions } from "../options/verifier-options";
import type { VerifyResult } from "../types";
import { type CacheEntry, type CachePolicy, entryFor, VerificationCache } from "./cache";
import { InFlightCalls } from "./inflight";
import { Revocations, revocationMemoryMs } from "./revocations";
import { SharedTier } from "./shared-cache";

/** The counts a verifier's `stats()` reports besides the shared tier's, the transport's and the cache size. */
export interface VerifierCounters {
  hits: number;
  misses: number;
  coalesced: number;
  sharedHits: number;
  failures: number;
  staleServed: number;
  refusedLocally: number;
}

/**
 * Everything a verifier remembers, in the few objects that hold it; the steps of the
 * pipeline (decide, the coalesced and metered calls, the shared fill, invalidation) share it.
 */
export interface VerifierState {
  /** The in-process cache (L1), by key hash; `undefined` with `cache: false`. */
  readonly cache: VerificationCache | undefined;
  /** What the cache may keep and for how long; `undefined` with `cache: false`. */
  readonly policy: CachePolicy | undefined;
  /** The upstream calls in flight, by key hash (coalescing). */
  readonly inflight: InFlightCalls;
  /** The shared cache (L2) and its invalidation bus, with `sharedCache`. */
  readonly shared: SharedTier | undefined;
  readonly revocations: Revocations;
  /** Shared names of the keys whose upstream call is in flight → their hash, so that a remote invalidation detaches the call. */
  readonly filling: Map<string, string>;
  readonly counters: VerifierCounters;
}

/** A verifier's state, empty; built once, when the verifier is created. */
export function createVerifierState(resolved: ResolvedVerifierOptions): VerifierState {
  const policy =
    resolved.cache === false
      ? undefined
      : {
          ttlMs: resolved.cache.ttlMs,
          negativeTtlMs: resolved.cache.negativeTtlMs,
          staleIfErrorMs: resolved.staleIfErrorMs,
        };
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
  return {
    cache: resolved.cache === false ? undefined : new VerificationCache(resolved.cache.max),
    policy,
    inflight: new InFlightCalls(),
    shared,
    revocations: new Revocations(revocationMemoryMs(policy)),
    filling: new Map(),
    counters: {
      hits: 0,
      misses: 0,
      coalesced: 0,
      sharedHits: 0,
      failures: 0,
      staleServed: 0,
      refusedLocally: 0,
    },
  };
}

/**
 * Keeps what the cache policy allows of an upstream answer, replacing (or dropping) the
 * older entry; `sharedNames` name it in the shared cache, so that its invalidation finds it.
 */
export function remember(
  state: VerifierState,
  hash: string,
  result: VerifyResult,
  sharedNames?: readonly string[],
): CacheEntry | undefined {
  const { cache, policy } = state;
  if (!cache || !policy) return undefined;
  const entry = entryFor(result, Date.now(), policy);
  if (entry === undefined) cache.delete(hash);
  else cache.set(hash, entry, sharedNames);
  return entry;
}
