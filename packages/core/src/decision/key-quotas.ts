import type { VerifyResult } from "../types";
import { distinctNames, policyName } from "./policy-name";
import type { QuotaState } from "./ratelimit-fields";

/** The name of the credits policy (`credits#2` when a rate limit of the key is named `credits`). */
export const CREDITS_POLICY = "credits";

/**
 * The quota policies Unkey's answer shows for a key: one per rate limit it checked
 * (`ratelimits[]`: name, limit, duration, remaining, reset, exceeded; Unkey's
 * svc/api/routes/v2_keys_verify_key/handler.go), then the key's credits when it has them.
 *
 * Credits are a quota no clock renews as far as the answer tells: Unkey's verify answer
 * carries only the credits left (`credits`), neither the key's allotment nor its refill
 * (`refill` is on keys.getKey only). So the credits policy is `q` = `r` = the credits left,
 * with no `w` and no `t` (draft-ietf-httpapi-ratelimit-headers-10 §3.1.3 and §4.1.2 make
 * both optional), for a key with a refill as for one without: a client reads "this many
 * left, no promise of more". `USAGE_EXCEEDED` refuses it even when the answer has no count.
 */
export function quotasOf(result: VerifyResult): QuotaState[] {
  const limits = result.ratelimits ?? [];
  const exhausted = result.code === "USAGE_EXCEEDED";
  const credits = result.credits ?? (exhausted ? 0 : undefined);
  if (limits.length === 0 && credits === undefined) return [];
  const names = distinctNames([
    ...limits.map((limit) => policyName(limit.name)),
    ...(credits === undefined ? [] : [CREDITS_POLICY]),
  ]);
  const states: QuotaState[] = limits.map((limit, i) => ({
    policy: names[i] as string,
    quota: limit.limit,
    windowMs: limit.duration > 0 ? limit.duration : undefined,
    remaining: limit.remaining,
    resetAt: limit.reset > 0 ? limit.reset : undefined,
    exceeded: limit.exceeded,
  }));
  if (credits !== undefined) {
    const remaining = Math.max(0, credits);
    states.push({
      policy: names[limits.length] as string,
      quota: remaining,
      remaining,
      exceeded: exhausted,
    });
  }
  return states;
}

/** The names of the policies that refused: the 429 body's `violated-policies`. */
export function violatedPolicies(states: readonly QuotaState[]): string[] {
  return states.filter((state) => state.exceeded).map((state) => state.policy);
}
