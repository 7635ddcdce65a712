import type { Decision } from "../decision/decision";
import { type Deny, deny, FAIL_OPEN_HEADER, ratelimitHeaders } from "../decision/denials";
import { KeyguardError, VerifierError } from "../errors";
import type { FailureMode } from "../types";
import type { RatelimitResponse } from "./ratelimit-response";

/** What a rate-limit middleware decided: let through with `RateLimit-*` headers (no key context), or refuse. */
export type RatelimitDecision = Decision;

const EXCEEDED_DETAIL =
  "Too many requests: this route's rate limit is exceeded. Retry after the number of seconds in Retry-After.";

const FAIL_OPEN_HEADERS = /* @__PURE__ */ Object.freeze({ [FAIL_OPEN_HEADER]: "true" });

/** `RateLimit-Limit/-Remaining/-Reset` (and `Retry-After` when refused) for one answer. */
function headersOf(response: RatelimitResponse, now: number): Record<string, string> {
  const state = {
    name: "",
    exceeded: !response.success,
    limit: response.limit,
    remaining: response.remaining,
    duration: 0,
    // A reset already past (a clock behind Unkey's) still says "about a second".
    reset: Math.max(response.reset, now + 1),
    autoApply: false,
  };
  return ratelimitHeaders([state], now, false);
}

/**
 * The decision for one `limit()` answer: allowed with `RateLimit-*` headers (the
 * same IETF draft names the key guard sends), or 429 `RATE_LIMITED`
 * problem+json with `Retry-After`. A fail-open pass carries `x-keyguard-fail-open: true`
 * instead, since nothing is known about the limit.
 *
 * @example
 * ```ts
 * const decision = fromRatelimit(await limiter.limit(ip));
 * if (!decision.allowed) return Response.json(decision.body, decision);
 * ```
 */
export function fromRatelimit(response: RatelimitResponse, now = Date.now()): RatelimitDecision {
  if (response.source === "fail-open")
    return { allowed: true, headers: FAIL_OPEN_HEADERS, context: undefined };
  const headers = headersOf(response, now);
  if (response.success) return { allowed: true, headers, context: undefined };
  return deny("RATE_LIMITED", { detail: EXCEEDED_DETAIL, headers });
}

/**
 * The decision when a request cannot be identified because Unkey is unreachable (the key
 * guard failed open, so there is no key id): the rate limiter's own failure mode decides,
 * as for an outage of its own call.
 */
export function fromUnidentified(
  error: VerifierError,
  failureMode: FailureMode,
): RatelimitDecision {
  if (failureMode === "open" && error.outage)
    return { allowed: true, headers: FAIL_OPEN_HEADERS, context: undefined };
  return fromRatelimitFailure(error);
}

/**
 * The decision when Unkey could not answer the rate limit (fail-closed): 503
 * `RATELIMIT_UNAVAILABLE` with `Retry-After`, or 500 `RATELIMIT_MISCONFIGURED`
 * when Unkey refused the root key or the request.
 */
export function fromRatelimitFailure(failure: unknown): Deny {
  const error =
    failure instanceof KeyguardError
      ? failure
      : new VerifierError("VERIFIER_UNAVAILABLE", "The rate limiter failed unexpectedly.", {
          cause: failure,
        });
  if (error.code === "VERIFIER_MISCONFIGURED") return deny("RATELIMIT_MISCONFIGURED", { error });
  const seconds = error instanceof VerifierError ? error.retryAfterSeconds : 1;
  return deny("RATELIMIT_UNAVAILABLE", { error, headers: { "retry-after": String(seconds) } });
}
