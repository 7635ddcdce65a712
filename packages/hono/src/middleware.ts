import type { Verifier } from "@keyguard/core";
import { createGuard, hookBoolean, isPromise, schemesOf } from "@keyguard/core/adapter";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { markGuard } from "./openapi-mark";
import { splitOptions, type UnkeyHonoOptions } from "./options";
import { guardRequestOf } from "./request";
import { addAllowHeaders, admit, createRefuse } from "./respond";

/** A Hono middleware that guards with Unkey; `verifier` is its verifier, to share its cache. */
// Any app env (Bindings included), as Hono's own middleware are typed: `c.get("unkey")`
// is typed through ContextVariableMap, and `keyOf(c)` gives it non-optional.
export type UnkeyMiddleware = MiddlewareHandler & { readonly verifier: Verifier };

/**
 * Hono middleware that lets a request through only with a valid Unkey API key
 * (and the route's permissions), with the key's context at `c.get("unkey")` /
 * `c.var.unkey`. Options are checked and the verifier (with its cache) is built
 * here, once. Without options it reads `UNKEY_ROOT_KEY` and `UNKEY_BASE_URL`
 * (on Workers, pass `rootKey` from your bindings: there is no process.env).
 * Web APIs only: runs on Node, Bun, Deno and Workers.
 *
 * Denials are answered with 401/403/429/503/500 and a problem+json body; no
 * invalid key reaches a handler unless `onDenied` says so.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { unkey, requirePermissions } from "@keyguard/hono";
 *
 * const app = new Hono();
 * app.get("/health", (c) => c.text("ok")); // registered first: unguarded
 * const auth = unkey();
 * app.use(auth);
 * app.get("/docs", requirePermissions("docs.read"), (c) => c.json({ keyId: c.var.unkey?.keyId }));
 * app.post("/search", unkey({ verifier: auth.verifier, cost: 5 }), search); // same cache
 * ```
 */
export function unkey(options?: UnkeyHonoOptions): UnkeyMiddleware {
  const { hooks, guardOptions } = splitOptions(options);
  const guard = createGuard(guardOptions);
  const { getKey, skip } = hooks;
  const refuse = createRefuse(hooks);

  const middleware = createMiddleware(async (c, next) => {
    // A throw, a rejection or a non-boolean skip reaches Hono's error handler (app.onError):
    // never a crash, never a pass. Only exactly `true` skips.
    if (skip !== undefined && (await hookBoolean("skip", skip(c)))) return next();
    const key = getKey === undefined ? undefined : ((await getKey(c)) ?? null);
    let decision = guard.check(guardRequestOf(c, key));
    // A cache hit is decided synchronously: no extra await on the hot path.
    if (isPromise(decision)) decision = await decision;
    if (!decision.allowed) return refuse(decision, c);
    admit(decision, c);
    await next();
    addAllowHeaders(decision, c);
  });
  // What @keyguard/hono/openapi documents for the routes this middleware guards.
  markGuard(middleware, {
    schemes: schemesOf(guard.sources),
    permissions: guard.route().querySource,
  });
  return Object.assign(middleware, { verifier: guard.verifier });
}
