import type { Decision } from "../decision/decision";
import { type Deny, deny, FAIL_OPEN_HEADER } from "../decision/denials";
import { policyName } from "../decision/policy-name";
import { type QuotaState, ratelimitFields } from "../decision/ratelimit-fields";
import { KeyguardError, VerifierError } from "../errors";
import { CURRENT_DRAFT_ONLY, type RatelimitHeaderSets } from "../options/ratelimit-header-options";
import type { FailureMode } from "../types";
import type { RatelimitResponse } from "./ratelimit-response";

/** What a rate-limit middleware decided: let through with the rate-limit fields (no key context), or refuse. */
export type RatelimitDecision = Decision;

/** A rate limiter's quota policy as its answers name it: its namespace and window. */
export interface RatelimitPolicy {
  /** The namespace (percent-encoded where an sf-string cannot hold it, see policy-name.ts). */
  readonly name: string;
  /** The window in ms, for `w`; none when unknown. */
  readonly windowMs?: number | undefined;
}

const EXCEEDED_DETAIL =
  "Too many requests: this route's rate limit is exceeded. Retry after the number of seconds in Retry-After.";

/** A call let through while Unkey could not answer (`failureMode: "open"`): nothing is known of the limit. */
export const FAILED_OPEN: RatelimitDecision = /* @__PURE__ */ Object.freeze({
  allowed: true,
  headers: /* @__PURE__ */ Object.freeze({ [FAIL_OPEN_HEADER]: "true" }),
  context: undefined,
});

const UNNAMED: RatelimitPolicy = /* @__PURE__ */ Object.freeze({ name: "default" });

/** One answer as a quota state of `policy` (its name already rendered); no window under an override. */
export function quotaOf(
  response: RatelimitResponse,
  policy: string,
  windowMs: number | undefined,
  now: number,
): QuotaState {
  return {
    policy,
    quota: response.limit,
    // An override replaces the limit and the duration, but Unkey's answer names only the
    // override, not its duration (unkey svc/api/routes/v2_ratelimit_limit/handler.go): the
    // window asked for is then not the one applied, so `w` is left out rather than wrong.
    windowMs: response.overrideId === undefined ? windowMs : undefined,
    remaining: response.remaining,
    // A reset already past (a clock behind Unkey's) still says "about a second".
    resetAt: Math.max(response.reset, now + 1),
    exceeded: !response.success,
  };
}

/**
 * The decision for quota states of a rate limiter: allowed with their fields, or 429
 * `RATE_LIMITED` (IANA `quota-exceeded`, `violated-policies` naming the refused ones).
 */
export function fromQuotas(
  states: readonly QuotaState[],
  success: boolean,
  now: number,
  sets: RatelimitHeaderSets,
): RatelimitDecision {
  const headers = ratelimitFields(states, now, sets);
  if (success) return { allowed: true, headers, context: undefined };
  return deny("RATE_LIMITED", { detail: EXCEEDED_DETAIL, headers, quotas: states });
}

/**
 * The decision for one `limit()` answer: allowed with `RateLimit-Policy` and `RateLimit`
 * (the current draft's fields, as the key guard sends them; `policy` names the namespace and
 * window), or 429 `RATE_LIMITED` problem+json (IANA `quota-exceeded`) with `Retry-After`.
 * A fail-open pass carries `x-keyguard-fail-open: true` instead, since nothing is known
 * about the limit.
 *
 * @example
 * ```ts
 * const decision = fromRatelimit(await limiter.limit(ip), Date.now(), { name: "auth.login", windowMs: 60_000 });
 * if (!decision.allowed) return Response.json(decision.body, decision);
 * ```
 */
export function fromRatelimit(
  response: RatelimitResponse,
  now = Date.now(),
  policy: RatelimitPolicy = UNNAMED,
  sets: RatelimitHeaderSets = CURRENT_DRAFT_ONLY,
): RatelimitDecision {
  if (response.source === "fail-open") return FAILED_OPEN;
  const state = quotaOf(response, policyName(policy.name), policy.windowMs, now);
  return fromQuotas([state], response.success, now, sets);
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
  if (failureMode === "open" && error.outage) return FAILED_OPEN;
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
