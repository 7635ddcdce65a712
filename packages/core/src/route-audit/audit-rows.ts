import type { FoundRoute } from "./found-route";
import { publicRoutesOf, rejectUnknownRoutes, routeKey } from "./public-routes";
import type { RouteAuditOptions, RouteAuditRow } from "./route-audit-row";

/** The row of a found route: only the requirements it has (`exactOptionalPropertyTypes`). */
function rowOf(route: FoundRoute, isPublic: boolean): RouteAuditRow {
  const access = route.access === "open" && isPublic ? "public" : route.access;
  const row: { -readonly [K in keyof RouteAuditRow]: RouteAuditRow[K] } = {
    method: route.method.toUpperCase(),
    path: route.path,
    access,
  };
  if (access !== "key") return row;
  if (route.permissions !== undefined) row.permissions = route.permissions;
  if (route.cost !== undefined) row.cost = route.cost;
  if (route.ratelimits !== undefined && route.ratelimits.length > 0)
    row.ratelimits = route.ratelimits;
  return row;
}

const byPathThenMethod = (a: RouteAuditRow, b: RouteAuditRow) =>
  a.path === b.path ? compare(a.method, b.method) : compare(a.path, b.path);
// Code-unit order, not the locale's: the same table on every machine.
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * An app's audit rows from the routes its adapter discovered, in the framework's order:
 * the first route of a method and path is the one that answers (a later one is never
 * reached), routes the call's `public` list names are `"public"` unless a guard covers
 * them, sorted by path, then method. `at` names the call in errors (`auditRoutes(app)`).
 *
 * @example
 * ```ts
 * auditRows([{ method: "GET", path: "/health", access: "open" }], { public: ["GET /health"] }, "auditRoutes(app)");
 * // [{ method: "GET", path: "/health", access: "public" }]
 * ```
 */
export function auditRows(
  found: Iterable<FoundRoute>,
  options: RouteAuditOptions | undefined,
  at: string,
): RouteAuditRow[] {
  const wanted = publicRoutesOf(options, at);
  const first = new Map<string, FoundRoute>();
  for (const route of found) {
    const key = routeKey(route.method, route.path);
    if (!first.has(key)) first.set(key, route);
  }
  rejectUnknownRoutes(wanted, [...first.keys()], at);
  const rows = [...first].map(([key, route]) => rowOf(route, wanted.has(key)));
  return rows.sort(byPathThenMethod);
}
