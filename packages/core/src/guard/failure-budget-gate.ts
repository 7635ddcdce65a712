import { type AddressGroup, COUNTED_CODES, FailureBudget } from "../budget/failure-budget";
import { resolveFailureBudget } from "../budget/failure-budget-options";
import type { AnswerStyle } from "../decision/answer-style";
import type { Decision } from "../decision/decision";
import { deny } from "../decision/denials";
import { KeyguardConfigError } from "../errors";
import { sharedCounterOf, type Verifier } from "../verify/verifier";

/** What the guard asks of the failure budget around one request. */
export interface FailureBudgetGate {
  /** The 429 for a request from a spent address whose key is not known valid; else `undefined`. */
  refuse(group: string | undefined, key: string | undefined): Decision | undefined;
  /** Counts the decision against the address when it refused an unknown or malformed key. */
  note(group: string | undefined, decision: Decision): Decision | Promise<Decision>;
  /** The address's group (`identify.ip()`'s rules); `undefined`: the request is not budgeted. */
  groupOf(address: string | undefined): string | undefined;
}

/** The gate for the `failureBudget` option, or `undefined` when it is not set. */
export function failureBudgetGate(
  option: unknown,
  verifier: Verifier,
  style: AnswerStyle,
  group: AddressGroup | undefined,
): FailureBudgetGate | undefined {
  const resolved = resolveFailureBudget(option);
  if (resolved === undefined) return undefined;
  if (group === undefined)
    throw new KeyguardConfigError(
      "failureBudget",
      "this guard has no way to group client addresses: the adapters give it one; with createGuard() pass `createGuard(options, naming, { addressGroup })` (addressGroup from @keyguard/core/adapter).",
    );
  const budget = new FailureBudget(resolved, sharedCounterOf(verifier), group);
  return {
    groupOf: (address) => budget.groupOf(address),
    refuse(group, key) {
      if (group === undefined) return undefined;
      const now = Date.now();
      const until = budget.exhaustedUntil(group, now);
      if (until === undefined) return undefined;
      // A key this instance holds as valid (whatever the route asks of it) still passes: the
      // budget stops guessing, not customers.
      if (key !== undefined && verifier.cached(key)?.valid === true) return undefined;
      // Rounded up: a client that waits this long finds the window over (RFC 9110 §10.2.3).
      const seconds = Math.max(1, Math.ceil((until - now) / 1000));
      // The guard's style like every denial's; a 429 carries no challenge (RFC 6750 §3.1).
      return deny("FAILURE_BUDGET_EXCEEDED", { style, retryAfterSeconds: seconds });
    },
    note(group, decision) {
      if (group === undefined || decision.allowed || !COUNTED_CODES.has(decision.code))
        return decision;
      // With a shared store, the refusal is sent once every instance's count is known here:
      // the next request from the address (wherever it lands) meets the budget as it stands.
      const shared = budget.fail(group, Date.now());
      return shared === undefined ? decision : shared.then(() => decision);
    },
  };
}
