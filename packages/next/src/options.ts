import type { Deny, GuardOptions, KeyguardError } from "@keyguard/core";
import { KeyguardConfigError } from "@keyguard/core";
import { splitHooks } from "@keyguard/core/adapter";

type MaybePromise<T> = T | Promise<T>;

/**
 * Options of `withUnkey()` and `unkeyMiddleware()`: the core's guard options
 * (verifier options or a ready `verifier`, key sources, route defaults) plus
 * hooks on the Web `Request`. Every hook may be async. A hook that throws or
 * rejects makes the route handler (or middleware) throw, which Next answers
 * with its 500: the request never reaches your handler.
 */
export type UnkeyNextOptions = GuardOptions & {
  /**
   * Reads the key yourself (`null` or `undefined` for none, which is `MISSING_KEY`);
   * when given, `keySources` are not read.
   * @default undefined (the key is read from `keySources`)
   */
  getKey?: ((request: Request) => MaybePromise<string | null | undefined>) | undefined;
  /**
   * Answers a denial (401/403/429, and 503/500 unless `onError` is set) yourself:
   * return the Response to send.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: ((decision: Deny, request: Request) => MaybePromise<Response>) | undefined;
  /**
   * What a verifier failure (503 `VERIFIER_UNAVAILABLE`, 500 `VERIFIER_MISCONFIGURED`)
   * does: `"throw"` throws the `VerifierError` (Next answers 500, your `onRequestError`
   * instrumentation sees it), a function returns the Response to send.
   * @default undefined (`onDenied`, else the 503/500 problem+json denial is sent)
   */
  onError?:
    | ("throw" | ((error: KeyguardError, request: Request) => MaybePromise<Response>))
    | undefined;
  /**
   * Requests let through unguarded; skips only on exactly `true`. Any other result
   * is a bug, thrown as a `TypeError` naming `skip`. With `withUnkey`, a skipped
   * request reaches the handler with `unkey: undefined` (its type says so).
   * @default undefined (every request is guarded)
   */
  skip?: ((request: Request) => MaybePromise<boolean>) | undefined;
  /**
   * The secret that signs the key context `unkeyMiddleware()` hands to route
   * handlers (header `x-keyguard-context`, HMAC-SHA-256), and that `withUnkey()`
   * checks before accepting one instead of verifying again. Middleware and route
   * handlers must see the same value.
   * @default process.env.KEYGUARD_CONTEXT_SECRET, else the root key (`rootKey` / UNKEY_ROOT_KEY)
   */
  contextSecret?: string | undefined;
};

/** The Next-only hooks, validated. */
export type NextHooks = Partial<Pick<UnkeyNextOptions, "getKey" | "onDenied" | "onError" | "skip">>;

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] ||
  undefined;

/** Splits the hooks from the core's options and rejects bad ones by name, at start-up. */
export function splitOptions(options: UnkeyNextOptions | undefined) {
  const split = splitHooks(options, { getKey: [], onDenied: [], onError: ["throw"], skip: [] }, [
    "contextSecret",
  ]);
  return { ...split, contextSecret: contextSecretOf(options) };
}

/** The hand-off secret: the option, else KEYGUARD_CONTEXT_SECRET, else the root key. */
function contextSecretOf(options: UnkeyNextOptions | undefined): string | undefined {
  const given = options?.contextSecret;
  if (given !== undefined && (typeof given !== "string" || given.length < 16)) {
    throw new KeyguardConfigError("contextSecret", "expected a string of at least 16 characters.");
  }
  return given ?? env("KEYGUARD_CONTEXT_SECRET") ?? options?.rootKey ?? env("UNKEY_ROOT_KEY");
}
