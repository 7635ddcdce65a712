import type { PermissionQuery } from "@keyguard/core";
import {
  authorize,
  guardMissing,
  markGuard,
  pickOptions,
  prepareRequest,
} from "@keyguard/core/adapter";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { splitOptions, type UnkeyHonoOptions } from "./options";
import { addAllowHeaders, admit, createRefuse } from "./respond";

/** Options of `requirePermissions`: `onDenied` and `onError`, as `unkey()` takes them. */
export type RequirePermissionsOptions = Pick<UnkeyHonoOptions, "onDenied" | "onError">;

const pickHooks = (options: RequirePermissionsOptions | undefined) =>
  pickOptions(options, ["onDenied", "onError"]);

/**
 * Checks a permission query against the key an earlier `unkey()` already let in
 * (`c.get("unkey")`), locally: no second upstream call. Missing permissions are 403,
 * and a fail-open request 503 (an outage never grants permissions). A request no
 * `unkey()` verified is the server's mistake, not the client's: 500 `GUARD_MISSING`,
 * logged once (a CORS preflight, which `unkey()` lets through keyless, is 401). The
 * query is parsed here, so a syntax error throws at start-up.
 *
 * @example
 * ```ts
 * app.use(unkey());
 * app.delete("/docs/:id", requirePermissions("docs.delete OR admin"), (c) => c.body(null, 204));
 * ```
 */
export function requirePermissions(
  query: string | PermissionQuery,
  options?: RequirePermissionsOptions,
): MiddlewareHandler {
  const route = prepareRequest({ permissions: query });
  const { hooks } = splitOptions(pickHooks(options));
  const refuse = createRefuse(hooks);
  const missing = guardMissing(route.querySource);
  const middleware = createMiddleware(async (c, next) => {
    const context = c.get("unkey");
    const decision =
      context === undefined
        ? missing(c.req.method, c.req.raw.headers, c.req.path)
        : authorize(context, route);
    if (!decision.allowed) return refuse(decision, c);
    admit(decision, c);
    await next();
    addAllowHeaders(decision, c);
  });
  return markGuard(middleware, { permissions: route.querySource });
}
