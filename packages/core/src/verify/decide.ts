import { isPlausibleKey } from "../extract/key-format";
// The Node build swaps this import for ../hash/node (see tsup.config.ts): same output, node:crypto speed.
import { hashKey } from "../hash/web";
import { type PreparedRequest, prepareRequest } from "../options/verify-request";
import type { VerifyRequest, VerifyResult } from "../types";
import { answerFrom, MALFORMED, serves } from "./cached-answer";
import type { CoalescedCall } from "./coalesced-call";
import type { MeteredCall } from "./metered-call";
import type { UpstreamCall } from "./upstream-call";
import type { VerifierState } from "./verifier-state";

/** A verifier's cache lookup and, on a miss, its verification, with the key hashed once. */
export type Decide = (
  key: string,
  prepared: PreparedRequest,
) => VerifyResult | Promise<VerifyResult>;

/** The ways into a verifier's pipeline. */
export interface DecideSteps {
  /** `Verifier.verify`. */
  readonly verify: (
    key: string,
    request?: VerifyRequest | PreparedRequest,
  ) => Promise<VerifyResult>;
  /** `Verifier.cached`: the hot path. */
  readonly cached: (
    key: string,
    request?: VerifyRequest | PreparedRequest,
  ) => VerifyResult | undefined;
  /** What a guard asks per request (see `decideFor`): the answer now, or the verification. */
  readonly decide: Decide;
}

/** The calls a miss may take: unmetered (coalesced), metered, or plain (no cache). */
export interface MissCalls {
  readonly coalesced: CoalescedCall;
  readonly metered: MeteredCall;
  readonly upstream: UpstreamCall;
}

/**
 * The decision step: a key that cannot be valid is refused locally; a fresh cache entry
 * that may serve the request answers synchronously; anything else is a miss, sent on as
 * a metered call (the request or the key spends credits or limits) or a coalesced one.
 */
export function createDecide(state: VerifierState, calls: MissCalls): DecideSteps {
  const { cache, counters } = state;

  /** The fresh cached answer for a hash, if the cache may give this request one. */
  function lookup(hash: string, request: PreparedRequest): VerifyResult | undefined {
    if (cache === undefined) return undefined;
    const now = Date.now();
    const entry = cache.get(hash, now);
    if (entry === undefined || now >= entry.freshUntil || !serves(entry, request)) return undefined;
    counters.hits++;
    return answerFrom(entry, request.query);
  }

  // Async, so that anything thrown on the way to Unkey is a rejection, as from verify().
  async function miss(
    hash: string | undefined,
    key: string,
    prepared: PreparedRequest,
  ): Promise<VerifyResult> {
    counters.misses++;
    if (hash === undefined || cache === undefined) return calls.upstream(key, prepared);
    const known = cache.get(hash, Date.now());
    if (prepared.metered || (known?.kind === "metered" && Date.now() < known.freshUntil))
      return calls.metered(hash, key, prepared);
    return calls.coalesced(hash, key, prepared);
  }

  /** The cache's answer now, or the verification: the key is hashed once either way. */
  function decideChecked(key: string, prepared: PreparedRequest) {
    if (cache === undefined) return miss(undefined, key, prepared);
    const hash = hashKey(key); // once per request
    return lookup(hash, prepared) ?? miss(hash, key, prepared);
  }

  function refused(): VerifyResult {
    counters.refusedLocally++;
    return MALFORMED;
  }

  return {
    async verify(key, request) {
      if (typeof key !== "string" || !isPlausibleKey(key)) return refused();
      return decideChecked(key, prepareRequest(request as VerifyRequest | undefined));
    },
    cached(key, request) {
      if (!isPlausibleKey(key)) return refused();
      if (cache === undefined) return undefined;
      return lookup(hashKey(key), prepareRequest(request as VerifyRequest | undefined));
    },
    decide(key, prepared) {
      if (!isPlausibleKey(key)) return refused();
      // A route the guard did not compile is validated, as cached() and verify() do.
      return decideChecked(
        key,
        prepareRequest(prepared as VerifyRequest | PreparedRequest | undefined),
      );
    },
  };
}
