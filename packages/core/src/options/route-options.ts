import { KeyguardConfigError } from "../errors";
import type { PermissionQuery } from "../permissions/permission-query";
import type { RatelimitRequest, VerifyRequest } from "../types";
import { optionNames, rejectUnknownOptions } from "./option-names";
import type { RefundOptions } from "./refund-option";
import { compileReportOnly, type ReportOnlyOptions, withReportOnly } from "./report-only-option";
import { type PreparedRequest, prepareRequest } from "./verify-request";

/** What one route asks of a key. Route options replace the app-wide ones field by field. */
export interface RouteOptions {
  /** A permission query the key must satisfy, e.g. `"docs.read AND (docs.write OR admin)"`. */
  permissions?: string | PermissionQuery | undefined;
  /** Analytics tags sent to Unkey with upstream verifications. */
  tags?: readonly string[] | undefined;
  /** Credits to deduct per request; makes every request reach Unkey. */
  cost?: number | undefined;
  /** Named rate limits to apply per request; makes every request reach Unkey. */
  ratelimits?: readonly RatelimitRequest[] | undefined;
  /**
   * Candidate `permissions` and `cost` reported on `keyguard:decision` (would refuse, would
   * charge) for requests the route lets in, without enforcing or charging them: see
   * {@link ReportOnlyOptions}.
   */
  reportOnly?: ReportOnlyOptions | undefined;
  /**
   * Gives a charged request's credits back (`keys.updateCredits`, increment) when the status
   * of the response sent matches, e.g. `{ onStatus: (status) => status >= 500 }`; `false`
   * turns a guard-wide rule off for this route. The root key needs `api.*.update_key`.
   */
  refund?: RefundOptions | false | undefined;
}

/** What a route's options are merged over: the guard's own route options. */
export type RouteBase = VerifyRequest & Pick<RouteOptions, "reportOnly">;

/** The per-route names every adapter accepts (route options and their app-wide defaults). */
export const ROUTE_OPTION_NAMES = /* @__PURE__ */ optionNames<RouteOptions>({
  permissions: true,
  tags: true,
  cost: true,
  ratelimits: true,
  reportOnly: true,
  refund: true,
});

/**
 * A route's options merged over the guard's, field by field, then checked and compiled:
 * what `guard.route()` returns. Throws a `KeyguardConfigError` naming the option (with
 * `optionPrefix`), at start-up.
 */
export function compileRoute(
  base: RouteBase,
  routeOptions: RouteOptions = {},
  optionPrefix = "",
): PreparedRequest {
  if (typeof routeOptions !== "object" || routeOptions === null) {
    throw new KeyguardConfigError(optionPrefix || "route", "expected an object.");
  }
  rejectUnknownOptions(routeOptions, ROUTE_OPTION_NAMES, optionPrefix);
  const merged: VerifyRequest = {
    permissions: routeOptions.permissions ?? base.permissions,
    tags: routeOptions.tags ?? base.tags,
    cost: routeOptions.cost ?? base.cost,
    ratelimits: routeOptions.ratelimits ?? base.ratelimits,
  };
  const reportOnly = compileReportOnly(routeOptions.reportOnly ?? base.reportOnly, optionPrefix);
  return withReportOnly(prepareRequest(merged, optionPrefix), reportOnly);
}
