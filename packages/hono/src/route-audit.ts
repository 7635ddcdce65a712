import { KeyguardSetupError } from "@keyguard/core";
import {
  createRouteAudit,
  type FoundRoute,
  type GuardMark,
  guardMarkOf,
  routeFromChain,
} from "@keyguard/core/adapter";
import type { RouterRoute } from "hono/types";
import { findTargetHandler, isMiddleware } from "hono/utils/handler";
import { provesCovers } from "./audit-cover";
import { covers, type RoutedApp, toOpenApiPath } from "./openapi/route-guards";

/**
 * The keyguard middleware registered before `app.routes[end]` on a matching method that
 * surely run on every request to `path` (see `provesCovers`), and a note naming those that
 * match its text (as the OpenAPI helpers read them) without that proof.
 */
function chainBefore(app: RoutedApp, end: number, method: string, path: string) {
  const marks: GuardMark[] = [];
  const unsure: string[] = [];
  for (const route of app.routes.slice(0, end)) {
    const mark = guardMarkOf(findTargetHandler(route.handler));
    if (mark === undefined || (route.method !== method && route.method !== "ALL")) continue;
    if (provesCovers(route.path, path)) marks.push(mark);
    else if (covers(toOpenApiPath(route.path), toOpenApiPath(path))) unsure.push(route.path);
  }
  const note =
    unsure.length === 0
      ? undefined
      : `a guard on ${[...new Set(unsure)].join(", ")} matches this path but not every request it answers`;
  return { marks, note };
}

/**
 * Whether a middleware entry answers requests of its own rather than running in front of
 * a route: registered on a path below the root (not `app.use(handler)`, which runs before
 * everything and would fill the table; an app mounted at `/` is then not listed either),
 * and no handler of the same method and path after it (`app.get(p, mw, handler)`).
 * `app.mount()` is one (Hono registers the mounted app as a middleware on `path/*`).
 */
function answersAlone(app: RoutedApp, index: number): boolean {
  const route = app.routes[index] as RouterRoute;
  // `app.use(handler)` registers on `/*` (`*` before Hono 4.7), like `app.mount("/", …)`.
  if (route.path === "*" || route.path === "/*") return false;
  return !app.routes
    .slice(index + 1)
    .some(
      (later) =>
        later.method === route.method &&
        later.path === route.path &&
        !isMiddleware(findTargetHandler(later.handler)),
    );
}

/**
 * Each handler of the app with the keyguard middleware that surely run in front of it,
 * then each path-registered middleware and mounted app (`kind: "middleware"`): Hono gives
 * no way to tell one that answers from one that calls `next()`, so each is listed.
 */
function* routesOf(app: RoutedApp, at: string): Generator<FoundRoute> {
  if (!Array.isArray((app as Partial<RoutedApp> | null)?.routes))
    throw new KeyguardSetupError(at, "expected a Hono app (its `routes`).");
  for (const [index, route] of app.routes.entries()) {
    const handler = findTargetHandler(route.handler);
    if (guardMarkOf(handler) !== undefined) continue;
    // Hono's own test (`hono/dev`'s inspectRoutes): a function that takes `next` is middleware.
    const middleware = isMiddleware(handler);
    if (middleware && !answersAlone(app, index)) continue;
    const { marks, note } = chainBefore(app, index, route.method, route.path);
    const found = routeFromChain(route.method, route.path, marks);
    yield {
      ...found,
      ...(middleware ? { kind: "middleware" as const } : {}),
      ...(found.access === "open" && note !== undefined ? { note } : {}),
    };
  }
}

// Pure, and the exports below wrap it: a Worker that never audits bundles none of it.
const audit = /* @__PURE__ */ createRouteAudit(routesOf);

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
export const auditRoutes: typeof audit.auditRoutes = (app, options) =>
  audit.auditRoutes(app, options);

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
export const assertNoOpenRoutes: typeof audit.assertNoOpenRoutes = (app, options) =>
  audit.assertNoOpenRoutes(app, options);
