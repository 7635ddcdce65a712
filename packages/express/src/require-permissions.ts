import type { PermissionQuery } from "@keyguard/core";
import {
  authorize,
  guardMissing,
  markGuard,
  pickOptions,
  prepareRequest,
} from "@keyguard/core/adapter";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { UnkeyExpressOptions } from "./options";
import { splitOptions } from "./options";
import { createSettle } from "./respond";

/** Options of `requirePermissions`: `onDenied` and `onError`, as `unkey()` takes them. */
export type RequirePermissionsOptions = Pick<UnkeyExpressOptions, "onDenied" | "onError">;

const pickHooks = (options: RequirePermissionsOptions | undefined) =>
  pickOptions(options, ["onDenied", "onError"]);

/**
 * Checks a permission query against the key an earlier `unkey()` already let in
 * (`req.unkey`), locally: no second upstream call. Missing permissions are 403, and
 * a fail-open request 503 (an outage never grants permissions). A request no
 * `unkey()` verified is the server's mistake, not the client's: 500 `GUARD_MISSING`,
 * logged once (a CORS preflight, which `unkey()` lets through keyless, is 401). The
 * query is parsed here, so a syntax error throws at start-up.
 *
 * @example
 * ```ts
 * app.use(unkey());
 * app.delete("/docs/:id", requirePermissions("docs.delete OR admin"), deleteDoc);
 * ```
 */
export function requirePermissions(
  query: string | PermissionQuery,
  options?: RequirePermissionsOptions,
): RequestHandler {
  const route = prepareRequest({ permissions: query });
  const { hooks } = splitOptions(pickHooks(options));
  const settle = createSettle(hooks);
  const missing = guardMissing(route.querySource);
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    try {
      const context = req.unkey;
      const decision =
        context === undefined
          ? missing(req.method, req.headers, req.originalUrl ?? req.url)
          : authorize(context, route);
      settle(decision, req, res, next);
    } catch (error) {
      next(error);
    }
  };
  return markGuard(middleware, { permissions: route.querySource });
}
