import type { RouteAuditOptions, RouteAuditRow } from "@keyguard/core";
import { createRouteAudit } from "@keyguard/core/adapter";
import { expressRoutes, type RoutedApp } from "./router-stack";

const audit = createRouteAudit(expressRoutes);

/**
 * Every route of an Express app (4 or 5) or router with its protection, read from its
 * router stack in Express's own order: `"key"` where an `unkey()` runs before the route
 * (`app.use(unkey())` declared before it, `router.use(unkey())` in a router it sits in,
 * or in the route itself), with the permissions, cost and rate limits it asks;
 * `"public"` where `options.public` names it; `"open"` elsewhere, `ratelimit()` or
 * `requirePermissions()` alone included. Paths include the routers' mount paths
 * (`/v1/docs/:id`); sorted by path, then method. A `public` entry that names no route is
 * a `KeyguardConfigError`; an app mounted inside another (`app.use(path, subApp)`),
 * whose routes Express hides, is a `KeyguardSetupError`.
 *
 * @example
 * ```ts
 * console.log(formatRouteAudit(auditRoutes(app, { public: ["GET /health"] })));
 * ```
 */
export const auditRoutes: (app: RoutedApp, options?: RouteAuditOptions) => RouteAuditRow[] =
  audit.auditRoutes;

/**
 * Throws a `KeyguardConfigError` listing every route of the app that answers without an
 * API key and is not in `options.public`: the one line of a CI test that fails when a new
 * route ships open. Returns the audit's rows otherwise.
 *
 * @example
 * ```ts
 * test("every route asks for a key", () => {
 *   assertNoOpenRoutes(app, { public: ["GET /health"] });
 * });
 * ```
 */
export const assertNoOpenRoutes: (
  app: RoutedApp,
  options?: RouteAuditOptions,
) => readonly RouteAuditRow[] = audit.assertNoOpenRoutes;
