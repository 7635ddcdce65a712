import type { Deny, GuardOptions, KeyContext, KeyguardError } from "@keyguard/core";
import { splitHooks } from "@keyguard/core/adapter";
import type { NextFunction, Request, Response } from "express";

declare global {
  // Express types its request through this global namespace (Express 4 and 5 alike).
  namespace Express {
    interface Request {
      /**
       * The key a keyguard middleware let in; `undefined` on routes no `unkey()`
       * guards, on skipped requests and on unguarded CORS preflights. On a route
       * you know is guarded, `keyOf(req)` gives it non-optional (and throws,
       * answering 500, if the route is not guarded after all).
       */
      unkey?: KeyContext | undefined;
    }
  }
}

/** What `onDenied` receives besides the decision. */
export interface ExpressDeniedContext {
  readonly req: Request;
  readonly res: Response;
  readonly next: NextFunction;
}

/** Handles a verifier failure like an Express error handler: `(error, req, res, next)`. */
export type ExpressErrorHook = (
  error: KeyguardError,
  req: Request,
  res: Response,
  next: NextFunction,
) => unknown;

/**
 * Options of `unkey()`: the core's guard options plus Express hooks. Every hook
 * may be async. A hook that throws or rejects, on any path (cache hit or miss),
 * passes its error to `next(err)`, so your error handler answers (Express's
 * default is a 500): the request never reaches the route, the process never crashes.
 */
export type UnkeyExpressOptions = GuardOptions & {
  /**
   * Reads the key yourself (`null` or `undefined` for none, which is `MISSING_KEY`);
   * when given, `keySources` are not read. May be async; a throw or rejection is `next(err)`.
   * @default undefined (the key is read from `keySources`)
   */
  getKey?:
    | ((req: Request) => string | null | undefined | Promise<string | null | undefined>)
    | undefined;
  /**
   * Writes a denial (401/403/429, and 503/500 unless `onError` is set) yourself,
   * in place of the problem+json answer. It owns the response: send one, or call
   * `next(...)` deliberately. May be async; a throw or rejection is `next(err)`.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: ((decision: Deny, ctx: ExpressDeniedContext) => unknown) | undefined;
  /**
   * What a verifier failure (503 `VERIFIER_UNAVAILABLE`, 500 `VERIFIER_MISCONFIGURED`)
   * does: `"next"` passes the `VerifierError` to `next(err)` (your error
   * handler answers), a function handles it like an error handler. The
   * function may be async; a throw or rejection is `next(err)`.
   * @default undefined (`onDenied`, else the 503/500 problem+json denial is sent)
   */
  onError?: "next" | ExpressErrorHook | undefined;
  /**
   * Requests the middleware lets through unguarded (e.g. health checks), with
   * no `req.unkey`. May be async; skips only on exactly `true` (a promise is
   * awaited). Any other result is a bug, sent to `next(err)` as a `TypeError`
   * naming `skip`; a throw or rejection is `next(err)`. Never a pass.
   * @default undefined (every request reaching the middleware is guarded)
   */
  skip?: ((req: Request) => boolean | Promise<boolean>) | undefined;
};

/** The Express-only hooks, validated. */
export type ExpressHooks = Partial<
  Pick<UnkeyExpressOptions, "getKey" | "onDenied" | "onError" | "skip">
>;

/** Splits the Express hooks from the core's options and rejects bad ones by name, at start-up. */
export function splitOptions(options: UnkeyExpressOptions | undefined) {
  return splitHooks(options, { getKey: [], onDenied: [], onError: ["next"], skip: [] });
}
