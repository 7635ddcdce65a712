import type { Deny, GuardOptions, KeyContext, KeyguardError } from "@keyguard/core";
import { KeyguardConfigError } from "@keyguard/core";
import type { NextFunction, Request, Response } from "express";

declare global {
  // Express types its request through this global namespace (Express 4 and 5 alike).
  namespace Express {
    interface Request {
      /**
       * The key a keyguard middleware let in. Typed as always present because it
       * is, in every handler behind `unkey()`; it is `undefined` only on routes
       * no `unkey()` guards, on skipped requests and on unguarded CORS preflights.
       */
      unkey: KeyContext;
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

/** Options of `unkey()`: the core's guard options plus Express hooks. */
export type UnkeyExpressOptions = GuardOptions & {
  /**
   * Reads the key yourself (`null` or `undefined` for none, which is `MISSING_KEY`);
   * when given, `keySources` are not read. May return a promise.
   * @default undefined (the key is read from `keySources`)
   */
  getKey?: (req: Request) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Writes a denial yourself, in place of the problem+json answer. It owns the
   * response: send one, or call `next(...)` deliberately.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: (decision: Deny, ctx: ExpressDeniedContext) => unknown;
  /**
   * What a verifier failure (503 `VERIFIER_UNAVAILABLE`, 500 `VERIFIER_MISCONFIGURED`)
   * does: `"next"` passes the `VerifierError` to `next(err)` (your error
   * handler answers), a function handles it like an error handler.
   * @default undefined (the 503/500 problem+json denial is sent)
   */
  onError?: "next" | ExpressErrorHook;
  /**
   * Requests the middleware lets through unguarded (e.g. health checks).
   * @default undefined (every request reaching the middleware is guarded)
   */
  skip?: (req: Request) => boolean;
};

/** The Express-only hooks, validated. */
export interface ExpressHooks {
  readonly getKey: UnkeyExpressOptions["getKey"];
  readonly onDenied: UnkeyExpressOptions["onDenied"];
  readonly onError: UnkeyExpressOptions["onError"];
  readonly skip: UnkeyExpressOptions["skip"];
}

/** Splits the Express hooks from the core's options and rejects bad ones by name, at start-up. */
export function splitOptions(options: UnkeyExpressOptions | undefined): {
  hooks: ExpressHooks;
  guardOptions: GuardOptions;
} {
  if (options === undefined) return { hooks: {} as ExpressHooks, guardOptions: {} };
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  const { getKey, onDenied, onError, skip, ...guardOptions } = options;
  for (const [name, value] of Object.entries({ getKey, onDenied, skip })) {
    if (value !== undefined && typeof value !== "function") {
      throw new KeyguardConfigError(name, `expected a function, got ${typeof value}.`);
    }
  }
  if (onError !== undefined && onError !== "next" && typeof onError !== "function") {
    throw new KeyguardConfigError(
      "onError",
      `expected "next" or a function, got ${typeof onError}.`,
    );
  }
  return { hooks: { getKey, onDenied, onError, skip }, guardOptions };
}
