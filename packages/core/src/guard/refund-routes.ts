import type { Decision } from "../decision/decision";
import { KeyguardConfigError } from "../errors";
import { checkRefund, type RefundRule } from "../options/refund-option";
import type { PreparedRequest } from "../options/verify-request";
import { loggerOf, refundsOf, type Verifier } from "../verify/verifier";
import { type Refund, type RefundSetup, refundFor } from "./refund-for";

/** A guard's refund rules by compiled route. */
export interface RefundRoutes {
  /** Records the rule of a compiled route: its own `refund`, else the guard's; checked at start-up. */
  note(prepared: PreparedRequest, routeRefund: unknown, option: string): PreparedRequest;
  /** See `Guard.refundFor`. */
  refundFor(decision: Decision, prepared: PreparedRequest): Refund | undefined;
}

/** The refund rules of a guard whose options say `refund` (the routes' default). */
export function createRefundRoutes(verifier: Verifier, guardRefund: unknown): RefundRoutes {
  const guardRule = checkRefund(guardRefund, "refund");
  let setup: RefundSetup | undefined;

  function setupFor(option: string): RefundSetup {
    if (setup !== undefined) return setup;
    const refunds = refundsOf(verifier);
    if (refunds === undefined) {
      throw new KeyguardConfigError(
        option,
        "refunds go through a verifier from createVerifier() (its root key and connection); pass one, or drop `refund`.",
      );
    }
    setup = {
      refunds,
      rules: new WeakMap<PreparedRequest, RefundRule>(),
      logger: loggerOf(verifier),
    };
    return setup;
  }

  return {
    note(prepared, routeRefund, option) {
      const rule = routeRefund === undefined ? guardRule : checkRefund(routeRefund, option);
      if (rule) setupFor(option).rules.set(prepared, rule);
      return prepared;
    },
    // No rule anywhere: nothing to look up per request.
    refundFor: (decision, prepared) =>
      setup === undefined ? undefined : refundFor(setup, decision, prepared),
  };
}
