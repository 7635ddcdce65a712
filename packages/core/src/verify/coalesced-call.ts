import type { PreparedRequest } from "../options/verify-request";
import type { VerifyResult } from "../types";
import { answerFrom, shareable } from "./cached-answer";
import type { FailurePolicy } from "./failure-policy";
import type { Fill } from "./shared-fill";
import type { UpstreamCall } from "./upstream-call";
import type { VerifierState } from "./verifier-state";

/** An unmetered verification on an L1 miss, sharing one upstream call among callers of the key. */
export type CoalescedCall = (
  hash: string,
  key: string,
  request: PreparedRequest,
) => Promise<VerifyResult>;

/**
 * One upstream call per key at a time; callers of the same key wait on it and take from
 * its answer what fits their route (see `shareable`), else ask Unkey themselves. A failure
 * is each caller's to turn into a stale answer (see `FailurePolicy.staleOr`).
 */
export function createCoalescedCall(
  state: VerifierState,
  fill: Fill,
  upstream: UpstreamCall,
  failure: FailurePolicy,
): CoalescedCall {
  const { inflight, counters } = state;
  const { staleOr } = failure;
  return (hash, key, request) => {
    const pending = inflight.get(hash);
    if (pending !== undefined) {
      counters.coalesced++;
      return pending.promise.then(
        (shared) => shareable(shared, request, pending.query) ?? upstream(key, request),
        (error) => staleOr(error, hash, request),
      );
    }
    const call = inflight.start(hash, request.querySource, (attached) =>
      fill(hash, key, request, attached),
    );
    return call.promise.then(
      ({ result, entry }) =>
        entry !== undefined && result.source === "cache"
          ? answerFrom(entry, request.query)
          : result,
      (error) => staleOr(error, hash, request),
    );
  };
}
