import type { AnswerStyle } from "../decision/answer-style";
import { type Decision, fromExtraction } from "../decision/decision";
import type { GatedExtraction } from "../extract/cross-site";
import { isPromise } from "../maybe-promise";
import type { PreparedRequest } from "../options/verify-request";
import type { FailureBudgetGate } from "./failure-budget-gate";

/** The verification of an extracted key, as the guard decides it without a budget. */
export type VerifiedDecision<Request> = (
  request: Request,
  key: string,
  prepared: PreparedRequest,
) => Decision | Promise<Decision>;

/** The decision after extraction under a `failureBudget`. */
export type BudgetedDecision<Request> = (
  request: Request,
  extraction: GatedExtraction,
  prepared: PreparedRequest,
) => Decision | Promise<Decision>;

/**
 * The decision under a failure budget: refused 429 while the address's budget is spent,
 * else decided as ever and counted when it refused an unknown or malformed key.
 */
export function budgetedDecision<Request extends { readonly address?: string | undefined }>(
  gate: FailureBudgetGate,
  style: AnswerStyle,
  verified: VerifiedDecision<Request>,
): BudgetedDecision<Request> {
  return (request, extraction, prepared) => {
    const group = gate.groupOf(request.address);
    // No key at all is not a guess (nor a cookie refused cross-site): answered, never counted.
    if (!extraction.ok && extraction.code !== "MALFORMED_KEY")
      return fromExtraction(extraction, style);
    const refused = gate.refuse(group, extraction.ok ? extraction.key : undefined);
    if (refused !== undefined) return refused;
    if (!extraction.ok) return gate.note(group, fromExtraction(extraction, style));
    const decision = verified(request, extraction.key, prepared);
    if (!isPromise(decision)) return gate.note(group, decision);
    return decision.then((settled) => gate.note(group, settled));
  };
}
