import type { Decision } from "../decision/decision";
import { type ReportOnlyRule, reportOnlyOf } from "../options/report-only-option";
import type { PreparedRequest } from "../options/verify-request";
import { holds } from "../permissions/permission-query";
import type { ReportOnlyMessage } from "../telemetry/report-only-message";
import type { KeyContext } from "../types";

/**
 * The credits the key had before this request. A verification that reached Unkey has
 * already spent the route's real cost (Unkey charges 1 when a route names none, to a key
 * with credits: keys.verifyKey `credits.cost` defaults to 1) and answers what is left;
 * an answer from the cache spent nothing.
 */
function creditsBefore(context: KeyContext, route: PreparedRequest): number | null {
  if (context.credits === undefined) return null;
  return context.source === "upstream" ? context.credits + (route.cost ?? 1) : context.credits;
}

function evaluate(rule: ReportOnlyRule, context: KeyContext, route: PreparedRequest) {
  const satisfied =
    rule.query === undefined ? true : holds(rule.query, new Set(context.permissions));
  const remaining = rule.cost === undefined ? null : creditsBefore(context, route);
  const covered = rule.cost === undefined || remaining === null || remaining >= rule.cost;
  // Unkey checks the permission query before it deducts credits (keys.verifyKey's order).
  const reason = !satisfied
    ? ("INSUFFICIENT_PERMISSIONS" as const)
    : !covered
      ? ("USAGE_EXCEEDED" as const)
      : undefined;
  return { satisfied, remaining, reason };
}

/**
 * What the route's `reportOnly` rules would have done to a request it let in: `undefined`
 * when it has none, or refused the request anyway, or let it in unverified (`fail-open`:
 * no permissions or credits to judge by). Evaluated only when someone listens.
 */
export function reportOnlyOutcome(
  decision: Decision,
  route: PreparedRequest,
): ReportOnlyMessage | undefined {
  const rule = reportOnlyOf(route);
  if (rule === undefined || !decision.allowed) return undefined;
  const { context } = decision;
  if (context === undefined || context.source === "fail-open") return undefined;
  const { satisfied, remaining, reason } = evaluate(rule, context, route);
  return {
    outcome: reason === undefined ? "would_allow" : "would_refuse",
    reason,
    permissions:
      rule.querySource === undefined ? undefined : { query: rule.querySource, satisfied },
    cost:
      rule.cost === undefined
        ? undefined
        : {
            cost: rule.cost,
            remaining,
            wouldCharge: reason === undefined && remaining !== null ? rule.cost : 0,
          },
  };
}
