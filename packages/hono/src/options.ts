import type { Deny, GuardOptions, KeyContext, KeyguardError } from "@keyguard/core";
import { GUARD_OPTION_NAMES, KeyguardConfigError, rejectUnknownOptions } from "@keyguard/core";
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

/**
 * Options of `unkey()`: the core's guard options plus Hono hooks. Every hook may
 * be async. A hook that throws or rejects, on any path (cache hit or miss),
 * propagates to your `app.onError` (Hono's default answers 500): the request
 * never reaches the route.
 */
export type UnkeyHonoOptions = GuardOptions & {
  /**
   * Reads the key yourself (`null` or `undefined` for none, which is `MISSING_KEY`);
   * when given, `keySources` are not read. May be async; a throw reaches `app.onError`.
   * @default undefined (the key is read from `keySources`)
   */
  getKey?: (c: Context) => MaybePromise<string | null | undefined>;
  /**
   * Answers a denial (401/403/429, and 503/500 unless `onError` is set)
   * yourself: return the Response to send. May be async; a throw reaches `app.onError`.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: (decision: Deny, c: Context) => MaybePromise<Response>;
  /**
   * What a verifier failure (503 `VERIFIER_UNAVAILABLE`, 500 `VERIFIER_MISCONFIGURED`)
   * does: `"throw"` throws the `VerifierError` to your `app.onError`, a function
   * returns the Response to send. The function may be async; a throw reaches `app.onError`.
   * @default undefined (`onDenied`, else the 503/500 problem+json denial is sent)
   */
  onError?: "throw" | ((error: KeyguardError, c: Context) => MaybePromise<Response>);
  /**
   * Requests the middleware lets through unguarded (e.g. health checks), with no
   * `c.get("unkey")`. May be async; skips only on exactly `true`. Any other
   * result is a bug, thrown to `app.onError` as a `TypeError` naming `skip`; a
   * throw or rejection reaches `app.onError`. Never a pass.
   * @default undefined (every request reaching the middleware is guarded)
   */
  skip?: (c: Context) => MaybePromise<boolean>;
};

/** Every option name `unkey()` accepts: the core's and the Hono hooks. */
export const HONO_OPTION_NAMES: readonly string[] = Object.freeze([
  ...GUARD_OPTION_NAMES,
  "getKey",
  "onDenied",
  "onError",
  "skip",
]);

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
  // Before the hooks are split off, so that a misspelt hook (`onDenid`) is named as one.
  rejectUnknownOptions(options, HONO_OPTION_NAMES);
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
