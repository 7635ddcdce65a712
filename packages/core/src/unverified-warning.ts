import type { Logger } from "./types";
import { withoutQuery } from "./url-path";

/**
 * For `requirePermissions(query)`: warns once, with no key material (the path
 * is logged without its query string), when it meets a request no guard
 * verified, which it refuses as 401 `MISSING_KEY` even when a key was sent.
 * That is nearly always a route declared before `unkey()` (or a request `skip`
 * let through), and the 401 alone points the developer at the client instead.
 *
 * @example
 * ```ts
 * const warn = unverifiedWarning(route.querySource);
 * if (req.unkey === undefined) warn(req.method, req.path);
 * ```
 */
export function unverifiedWarning(query: string | undefined, logger: Logger = console) {
  let warned = false;
  return (method: string, path: string): void => {
    if (warned) return;
    warned = true;
    logger.warn(
      `[keyguard] requirePermissions(${JSON.stringify(query)}) ran on ${method} ${withoutQuery(path)}, which no unkey() verified, and answered 401 MISSING_KEY. Put unkey() before it on this route (or check what skip() lets through).`,
    );
  };
}
