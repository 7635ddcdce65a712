import type { Deny } from "../decision/denials";
import { deny } from "../decision/denials";
import type { HeadersLike, Logger } from "../types";
import { mayBePreflight } from "./request-decision";
import { withoutQuery } from "./url-path";

/**
 * What `requirePermissions(query)` answers for a request that no keyguard guard let in.
 * A CORS preflight, which the guard lets through keyless by design (browsers never send
 * credentials on one), is the client's 401 `MISSING_KEY`. Anything else is this server's
 * route set-up, not the request (no `unkey()` before `requirePermissions()` on the route,
 * or a request `skip` let through), so 500 `GUARD_MISSING`, logged once with the route and
 * the query: a 401 would send a client that did send its key looking for a fault in it.
 *
 * @example
 * ```ts
 * const missing = guardMissing(route.querySource);
 * const decision = req.unkey === undefined ? missing(req.method, req.headers, req.originalUrl) : authorize(req.unkey, route);
 * ```
 */
export function guardMissing(query: string | undefined, logger: Logger = console) {
  let logged = false;
  return (method: string, headers: HeadersLike, path: string): Deny => {
    if (method === "OPTIONS" && mayBePreflight(headers)) return deny("MISSING_KEY");
    if (!logged) {
      logged = true;
      logger.error(
        `[keyguard] ${method} ${withoutQuery(path)}: requirePermissions(${JSON.stringify(query)}) ran on a request no unkey() verified, and answered 500 GUARD_MISSING. Put unkey() before it on this route (or check what skip() lets through).`,
      );
    }
    return deny("GUARD_MISSING");
  };
}
