import { KeyguardConfigError, type Verifier } from "@keyguard/core";
import {
  createGuard,
  type Decision,
  hookBoolean,
  isPromise,
  markGuard,
  requirementsOf,
} from "@keyguard/core/adapter";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { type ClientAddress, clientAddressOf } from "./client-address";
import { splitOptions, type UnkeyHonoOptions } from "./options";
import { guardRequestOf } from "./request";
import { addAllowHeaders, admit, createRefuse } from "./respond";

// What the second of two guards on a route says to do (see `Guard.again` in the core).
const FIX_TWICE =
  "Give the route one guard: register it before app.use(unkey()), or let that guard skip it (its `skip` option), so that the route's own unkey({ verifier, cost }) alone verifies and charges it; to add only permissions, use requirePermissions().";

/**
 * Where a `failureBudget` finds the client, or `undefined` without a budget. Hono has no
 * portable client address (each runtime has its own `getConnInfo`), so a budget without
 * `clientAddress` is refused at start-up rather than silently never counting.
 */
function addressGetter(
  readsAddress: boolean,
  options: UnkeyHonoOptions | undefined,
  clientAddress: ClientAddress | undefined,
): ClientAddress | undefined {
  if (!readsAddress) return undefined;
  const budget = options?.failureBudget;
  if (clientAddress === undefined)
    throw new KeyguardConfigError(
      "clientAddress",
      "required with `failureBudget`, which counts refusals per client address: pass `clientAddress: identify.ip(getConnInfo)` with your runtime's getConnInfo (from @hono/node-server/conninfo, hono/bun, hono/deno, hono/cloudflare-workers, …).",
    );
  if (typeof budget === "object" && budget !== null && budget.ipv6Subnet !== undefined)
    throw new KeyguardConfigError(
      "failureBudget.ipv6Subnet",
      "on Hono the client's group is clientAddress's: pass it to identify.ip(getConnInfo, { ipv6Subnet }).",
    );
  return clientAddress;
}

// The addresses come grouped by the user's identify.ip(): the guard keeps them as they are.
const ALREADY_GROUPED = { addressGroup: (group: string) => group };

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
 * A request an earlier keyguard guard already let in is never verified again, since
 * Unkey charges a key's credits and rate limits per verification: this guard checks
 * its permissions locally, and refuses a route with a `cost` or `ratelimits` with
 * 500 `GUARDED_TWICE`: register such a route before the app-wide guard, as below.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { unkey, requirePermissions } from "@keyguard/hono";
 *
 * const app = new Hono();
 * app.get("/health", (c) => c.text("ok")); // registered first: unguarded
 * const auth = unkey();
 * // Registered before app.use(auth): its own guard verifies it, once, charging 5 (same cache).
 * app.post("/search", unkey({ verifier: auth.verifier, cost: 5 }), search);
 * app.use(auth);
 * app.get("/docs", requirePermissions("docs.read"), (c) => c.json({ keyId: c.var.unkey?.keyId }));
 * ```
 */
export function unkey(options?: UnkeyHonoOptions): UnkeyMiddleware {
  const { hooks, guardOptions } = splitOptions(options);
  const guard = createGuard(
    guardOptions,
    { factory: "unkey", fixTwice: FIX_TWICE },
    ALREADY_GROUPED,
  );
  const clientAddress = addressGetter(guard.readsAddress, options, hooks.clientAddress);
  const { getKey, skip } = hooks;
  const refuse = createRefuse(hooks);

  const middleware = createMiddleware(async (c, next) => {
    // A throw, a rejection or a non-boolean skip reaches Hono's error handler (app.onError):
    // never a crash, never a pass. Only exactly `true` skips.
    if (skip !== undefined && (await hookBoolean("skip", skip(c)))) return next();
    // A key an earlier keyguard guard let in is never verified again.
    const prior = c.get("unkey");
    let decision: Decision | Promise<Decision> | undefined =
      prior === undefined
        ? undefined
        : guard.again(prior, { method: c.req.method, path: c.req.path });
    if (decision === undefined) {
      const key = getKey === undefined ? undefined : ((await getKey(c)) ?? null);
      const address =
        clientAddress === undefined ? undefined : await clientAddressOf(clientAddress, c);
      decision = guard.check(guardRequestOf(c, key, address));
    }
    // A cache hit is decided synchronously: no extra await on the hot path.
    if (isPromise(decision)) decision = await decision;
    if (!decision.allowed) return refuse(decision, c);
    admit(decision, c);
    await next();
    // Hono's compose has already turned a handler's throw into app.onError's answer (500 by
    // default), so `c.res` is what the client gets. Hono cannot see a client hang up.
    guard.refundFor(decision)?.(c.res.status);
    addAllowHeaders(decision, c);
  });
  // What @keyguard/hono/openapi documents, and auditRoutes() lists, for the routes it guards.
  markGuard(middleware, { sources: guard.sources, ...requirementsOf(guard.route()) });
  return Object.assign(middleware, { verifier: guard.verifier });
}
