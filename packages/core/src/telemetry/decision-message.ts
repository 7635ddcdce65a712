import type { Decision } from "../decision/decision";
import { reportOnlyOutcome } from "../guard/report-only";
import type { PreparedRequest } from "../options/verify-request";
// The Node build swaps this import for ./node, diagnostics_channel publishing: the path names
// its folder because tsup.config.ts (and the `core (node)` alias) match `telemetry/web`.
import { telemetry } from "../telemetry/web";
import type { DecisionSource } from "./telemetry";

// The context's own word, so that a handler's `context.source` and the channel agree.
function sourceOf(decision: Decision): DecisionSource {
  if (decision.allowed) return decision.context ? decision.context.source : "local";
  if (decision.result) return decision.result.source;
  // A verifier failure was the upstream call's; a missing or malformed key never left the process.
  return decision.error ? "upstream" : "local";
}

/**
 * Publishes a decision on `keyguard:decision` (never the key, nor its hash), with what the
 * route's `reportOnly` rules would have done, and returns it unchanged.
 */
export function announced(
  decision: Decision,
  start: number,
  route: string | undefined,
  prepared: PreparedRequest,
): Decision {
  telemetry.publishDecision({
    allowed: decision.allowed,
    status: decision.allowed ? 200 : decision.status,
    code: decision.allowed ? (decision.context ? "VALID" : "PREFLIGHT") : decision.code,
    source: sourceOf(decision),
    keyId: (decision.allowed ? decision.context?.keyId : decision.result?.keyId) || undefined,
    route,
    durationMs: performance.now() - start,
    reportOnly: reportOnlyOutcome(decision, prepared),
  });
  return decision;
}
