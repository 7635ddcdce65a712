import type { Deny, GuardOptions, KeyContext, KeyguardError } from "@keyguard/core";
import { splitHooks } from "@keyguard/core/adapter";
import type { Context } from "hono";
import type { ClientAddress } from "./client-address";

declare module "hono" {
  interface ContextVariableMap {
    /**
     * The key a keyguard middleware let in: `c.get("unkey")` / `c.var.unkey`;
     * `undefined` on routes no `unkey()` guards, on skipped requests and on
     * unguarded CORS preflights. On a guarded route, `keyOf(c)` gives it
     * non-optional.
     */
    unkey: KeyContext | undefined;
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
  getKey?: ((c: Context) => MaybePromise<string | null | undefined>) | undefined;
  /**
   * Answers a denial (401/403/429, and 503/500 unless `onError` is set)
   * yourself: return the Response to send. May be async; a throw reaches `app.onError`.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: ((decision: Deny, c: Context) => MaybePromise<Response>) | undefined;
  /**
   * What a verifier failure (503 `VERIFIER_UNAVAILABLE`, 500 `VERIFIER_MISCONFIGURED`)
   * does: `"throw"` throws the `VerifierError` to your `app.onError`, a function
   * returns the Response to send. The function may be async; a throw reaches `app.onError`.
   * @default undefined (`onDenied`, else the 503/500 problem+json denial is sent)
   */
  onError?: ("throw" | ((error: KeyguardError, c: Context) => MaybePromise<Response>)) | undefined;
  /**
   * Requests the middleware lets through unguarded (e.g. health checks), with no
   * `c.get("unkey")`. May be async; skips only on exactly `true`. Any other
   * result is a bug, thrown to `app.onError` as a `TypeError` naming `skip`; a
   * throw or rejection reaches `app.onError`. Never a pass.
   * @default undefined (every request reaching the middleware is guarded)
   */
  skip?: ((c: Context) => MaybePromise<boolean>) | undefined;
  /**
   * The client a `failureBudget` counts refusals against: `identify.ip(getConnInfo)` with your
   * runtime's `getConnInfo` (`@hono/node-server/conninfo`, `hono/bun`, `hono/deno`,
   * `hono/cloudflare-workers`, …), which groups IPv6 addresses by their /64 (its `ipv6Subnet`
   * option). Required with `failureBudget` (a start-up `KeyguardConfigError` naming it
   * otherwise), read only then. A request it cannot place (it throws, or gives nothing) is not
   * budgeted.
   * @default undefined (only allowed without `failureBudget`)
   */
  clientAddress?: ClientAddress | undefined;
};

/** The Hono-only hooks, validated. */
export type HonoHooks = Partial<
  Pick<UnkeyHonoOptions, "getKey" | "onDenied" | "onError" | "skip" | "clientAddress">
>;

/** Splits the Hono hooks from the core's options and rejects bad ones by name, at start-up. */
export function splitOptions(options: UnkeyHonoOptions | undefined) {
  return splitHooks(options, {
    getKey: [],
    onDenied: [],
    onError: ["throw"],
    skip: [],
    clientAddress: [],
  });
}
