import type { Decision } from "../decision/decision";
import type { RefundRule } from "../options/refund-option";
import type { PreparedRequest } from "../options/verify-request";
import type { Logger } from "../types";
import type { Refunds } from "../verify/refunds";

/**
 * A charged request's claim to its credits back: call it once, with the status of the
 * response actually sent; it refunds when the route's rule matches that status. Later
 * calls do nothing, so that a request is refunded at most once.
 */
export type Refund = (status: number) => void;

/**
 * What this verification charged the key, or 0. Unkey deducts credits only from a key with
 * limited credits (its answer then carries `credits`), only on `VALID` (the order of checks
 * in v2_keys_verify_key: credits last), `cost` or by default 1 (`credits.cost`). Only an
 * answer to this request's own call charged it: cached, stale and fail-open answers charged
 * nothing, and an answer shared by coalesced callers never concerns a key with credits (they
 * each call Unkey: cached-answer.ts `shareable`).
 */
export function chargedBy(decision: Decision, prepared: PreparedRequest): number {
  if (!decision.allowed) return 0;
  const result = decision.result;
  if (result === undefined || result.source !== "upstream" || !result.valid) return 0;
  if (result.keyId === undefined || result.credits === undefined) return 0;
  return prepared.cost ?? 1;
}

/** Where a guard's refunds go and what its routes ask: built once, by `createGuard`. */
export interface RefundSetup {
  readonly refunds: Refunds;
  readonly rules: WeakMap<PreparedRequest, RefundRule>;
  readonly logger: Logger;
}

/**
 * The refund a decision may claim after the response: `undefined` (nothing to watch) unless
 * the route has a refund rule and the verification charged credits.
 */
export function refundFor(
  setup: RefundSetup,
  decision: Decision,
  prepared: PreparedRequest,
): Refund | undefined {
  const rule = setup.rules.get(prepared);
  if (rule === undefined) return undefined;
  const cost = chargedBy(decision, prepared);
  const keyId = decision.allowed ? decision.result?.keyId : undefined;
  if (cost === 0 || keyId === undefined) return undefined;
  let claimed = false;
  return (status) => {
    if (claimed) return;
    claimed = true;
    let matches: boolean;
    try {
      matches = rule(status) === true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      setup.logger.error(`keyguard: refund.onStatus threw (${reason}); nothing refunded.`);
      return;
    }
    if (matches) void setup.refunds.give(keyId, cost);
  };
}
