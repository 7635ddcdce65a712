import { KeyguardSetupError } from "@keyguard/core";
import {
  createRouteAudit,
  type FoundRoute,
  guardMarkOf,
  routeFromChain,
} from "@keyguard/core/adapter";
import { findTargetHandler, isMiddleware } from "hono/utils/handler";
import { guardsBefore, type RoutedApp, toOpenApiPath } from "./openapi/route-guards";

/**
 * Each handler of the app with the keyguard middleware in front of it, found as
 * `@keyguard/hono/openapi` finds them: registered before it, on a matching method and path.
 */
function* routesOf(app: RoutedApp, at: string): Generator<FoundRoute> {
  if (!Array.isArray((app as Partial<RoutedApp> | null)?.routes))
    throw new KeyguardSetupError(at, "expected a Hono app (its `routes`).");
  for (const [index, route] of app.routes.entries()) {
    const handler = findTargetHandler(route.handler);
    // Hono's own test (`hono/dev`'s inspectRoutes): a function that takes `next` is middleware.
    if (guardMarkOf(handler) !== undefined || isMiddleware(handler)) continue;
    const chain = guardsBefore(app, index, route.method, toOpenApiPath(route.path));
    yield routeFromChain(route.method, route.path, chain);
  }
}

const audit = createRouteAudit(routesOf);

/**
 * Every route of a Hono app with its protection: `"key"` where an `unkey()` runs in front
 * of it (registered before it on a matching path: `app.use()` or the route's own), with
 * the permissions, cost and rate limits it asks; `"public"` where `options.public` names
 * it; `"open"` elsewhere, `ratelimit()` or `requirePermissions()` alone included. Sorted
 * by path, then method; paths as Hono spells them (`/docs/:id`). A `public` entry that
 * names no route is a `KeyguardConfigError`.
 *
 * @example
 * ```ts
 * console.log(formatRouteAudit(auditRoutes(app, { public: ["GET /health"] })));
 * ```
 */
export const auditRoutes = audit.auditRoutes;

/**
 * Fails a test when a Hono route ships open: throws a `KeyguardConfigError` naming every
 * route no `unkey()` covers that `options.public` does not list either, and returns the
 * audit's rows when there is none.
 *
 * @example
 * ```ts
 * test("only /health is served without a key", () => assertNoOpenRoutes(app, { public: ["GET /health"] }));
 * ```
 */
export const assertNoOpenRoutes = audit.assertNoOpenRoutes;
