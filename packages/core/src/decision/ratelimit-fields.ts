import type { RatelimitHeaderSets } from "../options/ratelimit-header-options";
import { type SfItem, serializeList } from "./structured-fields";

/**
 * One quota policy and where the client stands in it, as the RateLimit fields tell it
 * (draft-ietf-httpapi-ratelimit-headers-10 §2: a quota of units over a time window).
 */
export interface QuotaState {
  /** The policy's name, already fit for an sf-string (see policy-name.ts). */
  readonly policy: string;
  /** `q`: the units the policy allows. */
  readonly quota: number;
  /** `w`: the window in ms; none for a quota that no clock renews (credits). */
  readonly windowMs?: number | undefined;
  /** `r`: the units left. */
  readonly remaining: number;
  /** When more units come, as Unix ms; none when no clock brings them (credits). */
  readonly resetAt?: number | undefined;
  /** Whether this policy refused the request. */
  readonly exceeded: boolean;
}

// Seconds until `at`, rounded up: a client told to wait must never come back before the
// reset (the draft's §6: Retry-After "SHOULD NOT reference a point in time earlier than the
// reset parameter"). A refused policy says at least 1: `t=0` would invite a retry at once.
function secondsUntil(at: number, now: number, exceeded: boolean): number {
  const seconds = Math.ceil((at - now) / 1000);
  return Math.max(exceeded ? 1 : 0, seconds);
}

function policyItem(state: QuotaState): SfItem {
  const params: [string, number][] = [["q", state.quota]];
  // §3.1.3: `w` is a whole, non-zero number of seconds; a window of 1.5 s is said as 2 s,
  // the rounding that never promises a client more than the limit allows.
  if (state.windowMs !== undefined)
    params.push(["w", Math.max(1, Math.ceil(state.windowMs / 1000))]);
  return { value: state.policy, params };
}

function limitItem(state: QuotaState, now: number): SfItem {
  const params: [string, number][] = [["r", state.remaining]];
  if (state.resetAt !== undefined)
    params.push(["t", secondsUntil(state.resetAt, now, state.exceeded)]);
  return { value: state.policy, params };
}

/**
 * The policy the older, single-valued names describe: the refused one that resets last
 * (the client must wait for it), else the one with the least room. Only a policy with a
 * reset: those names have no way to say "never", which credits would need.
 */
function mostConstrained(states: readonly QuotaState[]): QuotaState | undefined {
  let pick: QuotaState | undefined;
  for (const state of states) {
    if (state.resetAt === undefined) continue;
    if (pick === undefined) pick = state;
    else if (state.exceeded !== pick.exceeded) pick = state.exceeded ? state : pick;
    else if (state.exceeded) pick = (state.resetAt ?? 0) > (pick.resetAt ?? 0) ? state : pick;
    else if (state.remaining < pick.remaining) pick = state;
  }
  return pick;
}

function olderNames(
  headers: Record<string, string>,
  state: QuotaState,
  now: number,
  sets: RatelimitHeaderSets,
): void {
  const resetAt = state.resetAt ?? now;
  const seconds = String(secondsUntil(resetAt, now, state.exceeded));
  const limit = String(Math.max(0, state.quota));
  const remaining = String(Math.max(0, state.remaining));
  if (sets.draft06) {
    headers["ratelimit-limit"] = limit;
    headers["ratelimit-remaining"] = remaining;
    headers["ratelimit-reset"] = seconds;
  }
  if (sets.xRatelimit) {
    headers["x-ratelimit-limit"] = limit;
    headers["x-ratelimit-remaining"] = remaining;
    // GitHub's convention, which most X-RateLimit-* clients read: the reset in Unix seconds.
    headers["x-ratelimit-reset"] = String(Math.ceil(Math.max(resetAt, now) / 1000));
  }
}

/**
 * The rate-limit header fields for these policies: `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers-10 §3, §4), one item per policy; the older names
 * when `sets` asks for them; and `Retry-After` (RFC 9110 §10.2.3) when a refused policy
 * has a reset: the latest of them, in whole seconds rounded up, so it is never earlier than
 * any `t` of the `RateLimit` field. Empty when there are no policies.
 *
 * @example
 * ```ts
 * ratelimitFields([{ policy: "requests", quota: 10, windowMs: 60_000, remaining: 0, resetAt: now + 30_000, exceeded: true }], now, CURRENT_DRAFT_ONLY);
 * // { "ratelimit-policy": '"requests";q=10;w=60', ratelimit: '"requests";r=0;t=30', "retry-after": "30" }
 * ```
 */
export function ratelimitFields(
  states: readonly QuotaState[],
  now: number,
  sets: RatelimitHeaderSets,
): Record<string, string> {
  if (states.length === 0) return {};
  const headers: Record<string, string> = {
    "ratelimit-policy": serializeList(states.map(policyItem)),
    ratelimit: serializeList(states.map((state) => limitItem(state, now))),
  };
  let retryAfter = 0;
  for (const state of states) {
    if (state.exceeded && state.resetAt !== undefined)
      retryAfter = Math.max(retryAfter, secondsUntil(state.resetAt, now, true));
  }
  if (retryAfter > 0) headers["retry-after"] = String(retryAfter);
  const constrained = sets.draft06 || sets.xRatelimit ? mostConstrained(states) : undefined;
  if (constrained !== undefined) olderNames(headers, constrained, now, sets);
  return headers;
}
