import type { Deny, GuardOptions, KeyContext, KeyguardError } from "@keyguard/core";
import { KeyguardConfigError } from "@keyguard/core";
import type { Context } from "hono";

declare module "hono" {
  interface ContextVariableMap {
    /**
     * The key a keyguard middleware let in: `c.get("unkey")` / `c.var.unkey`.
     * Typed as always present because it is, in every handler behind `unkey()`;
     * it is `undefined` only on routes no `unkey()` guards, on skipped requests
     * and on unguarded CORS preflights.
     */
    unkey: KeyContext;
  }
}

type MaybePromise<T> = T | Promise<T>;

/** Options of `unkey()`: the core's guard options plus Hono hooks. */
export type UnkeyHonoOptions = GuardOptions & {
  /**
   * Reads the key yourself (`null` or `undefined` for none, which is `MISSING_KEY`);
   * when given, `keySources` are not read. May be async.
   * @default undefined (the key is read from `keySources`)
   */
  getKey?: (c: Context) => MaybePromise<string | null | undefined>;
  /**
   * Answers a denial yourself: return the Response to send.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: (decision: Deny, c: Context) => MaybePromise<Response>;
  /**
   * What a verifier failure (503 `VERIFIER_UNAVAILABLE`, 500 `VERIFIER_MISCONFIGURED`)
   * does: `"throw"` throws the `VerifierError` to your `app.onError`, a function
   * returns the Response to send.
   * @default undefined (the 503/500 problem+json denial is sent)
   */
  onError?: "throw" | ((error: KeyguardError, c: Context) => MaybePromise<Response>);
  /**
   * Requests the middleware lets through unguarded (e.g. health checks).
   * @default undefined (every request reaching the middleware is guarded)
   */
  skip?: (c: Context) => MaybePromise<boolean>;
};

/** The Hono-only hooks, validated. */
export interface HonoHooks {
  readonly getKey: UnkeyHonoOptions["getKey"];
  readonly onDenied: UnkeyHonoOptions["onDenied"];
  readonly onError: UnkeyHonoOptions["onError"];
  readonly skip: UnkeyHonoOptions["skip"];
}

/** Splits the Hono hooks from the core's options and rejects bad ones by name, at start-up. */
export function splitOptions(options: UnkeyHonoOptions | undefined): {
  hooks: HonoHooks;
  guardOptions: GuardOptions;
} {
  if (options === undefined) return { hooks: {} as HonoHooks, guardOptions: {} };
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  const { getKey, onDenied, onError, skip, ...guardOptions } = options;
  for (const [name, value] of Object.entries({ getKey, onDenied, skip })) {
    if (value !== undefined && typeof value !== "function") {
      throw new KeyguardConfigError(name, `expected a function, got ${typeof value}.`);
    }
  }
  if (onError !== undefined && onError !== "throw" && typeof onError !== "function") {
    throw new KeyguardConfigError(
      "onError",
      `expected "throw" or a function, got ${typeof onError}.`,
    );
  }
  return { hooks: { getKey, onDenied, onError, skip }, guardOptions };
}
