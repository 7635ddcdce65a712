import type { Decision } from "../decision/decision";
import { reportOnlyOf } from "../options/report-only-option";
import type { PreparedRequest } from "../options/verify-request";
import { announced } from "../telemetry/decision-message";
// The Node build swaps this import for ../telemetry/node: diagnostics_channel publishing.
import { telemetry } from "../telemetry/web";

/**
 * A second guard's decision, published on `keyguard:decision` when its route has `reportOnly`
 * rules: the first guard's event evaluated the first guard's route, never this one's, so a
 * route's own `unkey({ reportOnly })` behind an app-wide `unkey()` would otherwise report
 * nothing. The rules are evaluated on the context the first verification issued (no second
 * call to Unkey). Without such rules the first guard's event already says it all: none is
 * published, so one request is counted once.
 */
export function reportedAgain(
  decision: Decision | undefined,
  prepared: PreparedRequest,
  route: string | undefined,
): Decision | undefined {
  if (decision === undefined || reportOnlyOf(prepared) === undefined) return decision;
  if (!telemetry.decisionsWanted()) return decision;
  return announced(decision, performance.now(), route, prepared);
}
