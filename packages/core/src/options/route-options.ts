import type { PermissionQuery } from "../permissions/permission-query";
import type { RatelimitRequest } from "../types";
import { optionNames } from "./option-names";

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
}

/** The per-route names every adapter accepts (route options and their app-wide defaults). */
export const ROUTE_OPTION_NAMES = optionNames<RouteOptions>({
  permissions: true,
  tags: true,
  cost: true,
  ratelimits: true,
});
