import type { Verifier } from "@keyguard/core";
import {
  addressGroup,
  createGuard,
  type Decision,
  hookBoolean,
  isPromise,
  markGuard,
  mayBePreflight,
  refundWhenFinished,
  requirementsOf,
  whenSettled,
} from "@keyguard/core/adapter";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { splitOptions, type UnkeyExpressOptions } from "./options";
import { createSettle } from "./respond";

// What the second of two guards on a route says to do (see `Guard.again` in the core).
const FIX_TWICE =
  "Give the route one guard: declare it before app.use(unkey()), or let that guard skip it (its `skip` option), so that the route's own unkey({ verifier, cost }) alone verifies and charges it; to add only permissions, use requirePermissions().";

/** An Express middleware that guards with Unkey; `verifier` is its verifier, to share its cache. */
export type UnkeyMiddleware = RequestHandler & { readonly verifier: Verifier };

/**
 * Express middleware that lets a request through only with a valid Unkey API
 * key (and the route's permissions), putting the key's context at `req.unkey`.
 * Use it app-wide or per route; options are checked and the verifier (with its
 * cache) is built here, once. Without options it reads `UNKEY_ROOT_KEY` and
 * `UNKEY_BASE_URL`, and throws at start-up when there is no root key.
 *
 * Denials are answered directly (401/403/429/503/500 with a problem+json body);
 * no invalid key reaches a handler unless `onDenied` says so.
 *
 * A request an earlier keyguard guard already let in is never verified again, since
 * Unkey charges a key's credits and rate limits per verification: this guard checks
 * its permissions locally, and refuses a route with a `cost` or `ratelimits` with
 * 500 `GUARDED_TWICE`: declare such a route before the app-wide guard, as below.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { unkey, requirePermissions } from "@keyguard/express";
 *
 * const app = express();
 * app.get("/health", (_req, res) => res.send("ok")); // declared first: unguarded
 * const auth = unkey();
 * // Declared before app.use(auth): its own guard verifies it, once, charging 5 (same cache).
 * app.post("/search", unkey({ verifier: auth.verifier, cost: 5 }), search);
 * app.use(auth);
 * app.get("/docs", requirePermissions("docs.read"), (req, res) => res.json({ keyId: req.unkey?.keyId }));
 * ```
 */
export function unkey(options?: UnkeyExpressOptions): UnkeyMiddleware {
  const { hooks, guardOptions } = splitOptions(options);
  const guard = createGuard(
    guardOptions,
    { factory: "unkey", fixTwice: FIX_TWICE },
    { addressGroup },
  );
  const { getKey, skip } = hooks;
  const settle = createSettle(hooks);
  // Express gives every request object a map of its own, so each property read on `req` is
  // a slow lookup: the URL is read only when a key source needs it, the method only when a
  // cookie source does (a cookie key is refused on unsafe cross-site requests) or the headers
  // are a CORS preflight's.
  const { readsUrl, readsMethod, readsAddress } = guard;

  function check(req: Request, res: Response, next: NextFunction, key?: string | null): void {
    const { headers } = req;
    const decision = guard.check({
      method: readsMethod || mayBePreflight(headers) ? req.method : undefined,
      // Node keeps only the first Authorization in `headers`; `rawHeaders` shows the duplicates.
      headers,
      rawHeaders: req.rawHeaders,
      url: readsUrl ? (req.originalUrl ?? req.url) : undefined,
      // `identify.ip()`'s address: after Express's `trust proxy` setting.
      address: readsAddress ? req.ip : undefined,
      key,
    });
    // A cache hit is decided synchronously: no promise hop, no closure on the hot path.
    if (isPromise(decision))
      whenSettled(decision, (settled) => admit(settled, req, res, next), next);
    else admit(decision, req, res, next);
  }

  // Express's final handler answers a handler's throw with a 500 before `finish`, so the
  // status the refund rule sees is the one the client got.
  function admit(decision: Decision, req: Request, res: Response, next: NextFunction): void {
    refundWhenFinished(res, guard.refundFor(decision));
    settle(decision, req, res, next);
  }

  function guardRequest(req: Request, res: Response, next: NextFunction): void {
    // One read on the hot path: a key an earlier keyguard guard let in is never verified again.
    const prior = req.unkey;
    if (prior !== undefined) {
      const path = req.originalUrl ?? req.url;
      const decision = guard.again(prior, { method: req.method, path });
      if (decision !== undefined) {
        settle(decision, req, res, next);
        return;
      }
    }
    if (getKey === undefined) check(req, res, next);
    else whenSettled(getKey(req), (key) => check(req, res, next, key ?? null), next);
  }

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // A throw or rejection of any hook, on either path, is next(err): never a crash, never a pass.
    try {
      if (skip === undefined) guardRequest(req, res, next);
      else {
        const skipped = hookBoolean("skip", skip(req));
        whenSettled(skipped, (yes) => (yes ? next() : guardRequest(req, res, next)), next);
      }
    } catch (error) {
      next(error);
    }
  };
  // What auditRoutes() lists for the routes this middleware guards.
  markGuard(middleware, { sources: guard.sources, ...requirementsOf(guard.route()) });
  return Object.assign(middleware, { verifier: guard.verifier });
}
