import type { PreparedRequest } from "../options/verify-request";
import type { RouteAccess } from "./route-audit-row";

/** What a guard asks of the key on a route, as an audit row shows it. */
export interface RouteRequirements {
  readonly permissions?: string | undefined;
  readonly cost?: number | undefined;
  readonly ratelimits?: readonly string[] | undefined;
}

/**
 * One route as an adapter discovered it, before the audit applies the call's `public`
 * list: `"key"` where a keyguard guard verifies a key, `"public"` where the framework's own
 * mark says so (`@Public()`, `config.unkey.public`), `"open"` elsewhere.
 */
export interface FoundRoute extends RouteRequirements {
  readonly method: string;
  readonly path: string;
  readonly access: RouteAccess;
}

/** What a compiled route asks of the key: its query, cost and rate-limit names. */
export function requirementsOf(route: PreparedRequest): RouteRequirements {
  return {
    permissions: route.querySource,
    cost: route.cost,
    ratelimits: route.ratelimits?.map((limit) => limit.name),
  };
}
