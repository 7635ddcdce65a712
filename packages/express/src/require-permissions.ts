import type { PermissionQuery } from "@keyguard/core";
import { authorize, pickOptions, prepareRequest, unverifiedWarning } from "@keyguard/core/adapter";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { UnkeyExpressOptions } from "./options";
import { splitOptions } from "./options";
import { createSettle } from "./respond";

/** Options of `requirePermissions`: `onDenied` and `onError`, as `unkey()` takes them. */
export type RequirePermissionsOptions = Pick<UnkeyExpressOptions, "onDenied" | "onError">;

// A CORS preflight passes unkey() with no key by design: not a mistake worth a warning.
const isPreflight = (req: Request) =>
  req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;

const pickHooks = (options: RequirePermissionsOptions | undefined) =>
  pickOptions(options, ["onDenied", "onError"]);

/**
 * Checks a permission query against the key an earlier `unkey()` already let in
 * (`req.unkey`), locally: no second upstream call. No verified key is 401,
 * missing permissions 403, and a fail-open request 503 (an outage never grants
 * permissions). The query is parsed here, so a syntax error throws at start-up.
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
  const warn = unverifiedWarning(route.querySource);
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      if (req.unkey === undefined && !isPreflight(req))
        warn(req.method, req.originalUrl ?? req.url);
      settle(authorize(req.unkey, route), req, res, next);
    } catch (error) {
      next(error);
    }
  };
}
