import { auditRows } from "./audit-rows";
import type { FoundRoute } from "./found-route";
import { assertClosed } from "./open-routes";
import type { RouteAuditOptions, RouteAuditRow } from "./route-audit-row";

/** An adapter's `auditRoutes` and `assertNoOpenRoutes`, for its kind of app. */
export interface RouteAudit<App> {
  auditRoutes(app: App, options?: RouteAuditOptions): RouteAuditRow[];
  assertNoOpenRoutes(app: App, options?: RouteAuditOptions): readonly RouteAuditRow[];
}

/**
 * An adapter's route audit from its one framework-specific part, `discover`: every route
 * of an app with what guards it, in the framework's order (it may throw a
 * `KeyguardSetupError` naming `at` when the app cannot be audited yet). Everything else
 * (the `public` list, the rows, their order, the refusal of open routes) is shared.
 * `markPublic` says how the framework marks a route public, for the refusal's fix.
 *
 * @example
 * ```ts
 * export const { auditRoutes, assertNoOpenRoutes } = createRouteAudit(routesOf, "`@Public()`");
 * ```
 */
export function createRouteAudit<App>(
  discover: (app: App, at: string) => Iterable<FoundRoute>,
  markPublic?: string,
): RouteAudit<App> {
  return {
    auditRoutes(app, options) {
      const at = "auditRoutes(app)";
      return auditRows(discover(app, at), options, at);
    },
    assertNoOpenRoutes(app, options) {
      const at = "assertNoOpenRoutes(app)";
      return assertClosed(auditRows(discover(app, at), options, at), at, markPublic);
    },
  };
}
