import { createRouteAudit } from "@keyguard/core/adapter";
import { expressRoutes } from "./router-stack";

const audit = createRouteAudit(expressRoutes);

/**
 * Every route of an Express app (4 or 5) or router with its protection, read from its
 * router stack in Express's own order: `"key"` where an `unkey()` runs before the route
 * (`app.use(unkey())` declared before it, `router.use(unkey())` in a router it sits in,
 * or in the route itself before its first handler), with the permissions, cost and rate
 * limits it asks; `"public"` where `options.public` names it; `"open"` elsewhere,
 * `ratelimit()` or `requirePermissions()` alone, or a handler before the guard, included. Paths include the routers' mount paths
 * (`/v1/docs/:id`); sorted by path, then method. A `public` entry that names no route is
 * a `KeyguardConfigError`; an app mounted inside another (`app.use(path, subApp)`),
 * whose routes Express hides, is a `KeyguardSetupError`.
 *
 * @example
 * ```ts
 * console.log(formatRouteAudit(auditRoutes(app, { public: ["GET /health"] })));
 * ```
 */
export const auditRoutes = audit.auditRoutes;

/**
 * `auditRoutes(app, options)`, then a `KeyguardConfigError` naming each route that no
 * `unkey()` runs before and that `options.public` does not list: a one-line CI test
 * that fails the day a route ships open. Returns the rows when there is none.
 *
 * @example
 * ```ts
 * test("every route asks for a key", () => {
 *   assertNoOpenRoutes(app, { public: ["GET /health", "POST /webhooks/stripe"] });
 * });
 * ```
 */
export const assertNoOpenRoutes = audit.assertNoOpenRoutes;
