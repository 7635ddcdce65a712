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
   * handlers must see the same value. At least 16 characters (KEYGUARD_CONTEXT_SECRET too).
   * @default process.env.KEYGUARD_CONTEXT_SECRET, else the root key (`rootKey` / UNKEY_ROOT_KEY)
   */
  contextSecret?: string | undefined;
};

/** The Next-only hooks, validated. */
export type NextHooks = Partial<Pick<UnkeyNextOptions, "getKey" | "onDenied" | "onError" | "skip">>;

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] ||
  undefined;

// Why `failureBudget` is refused here rather than ignored: a budget that never counts would
// look like protection while guessing goes on unchecked.
const NO_CLIENT_ADDRESS =
  "@keyguard/next cannot apply it: it counts refusals per client address, and Next.js gives route handlers, middleware and proxies none (NextRequest.ip is gone since Next.js 15; X-Forwarded-For is whatever the client sends unless your host overwrites it). Limit guessing at your host's edge, or with ratelimit() of an adapter that reads the address.";

/** Splits the hooks from the core's options and rejects bad ones by name, at start-up. */
export function splitOptions(options: UnkeyNextOptions | undefined) {
  if (options?.failureBudget !== undefined)
    throw new KeyguardConfigError("failureBudget", NO_CLIENT_ADDRESS);
  const split = splitHooks(options, { getKey: [], onDenied: [], onError: ["throw"], skip: [] }, [
    "contextSecret",
  ]);
  return { ...split, contextSecret: contextSecretOf(options) };
}

/** A hand-off secret shorter than this is guessable; the value itself is never echoed. */
const MIN_SECRET_LENGTH = 16;

function checkedSecret(name: string, value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== "string" || value.length < MIN_SECRET_LENGTH)) {
    throw new KeyguardConfigError(
      name,
      `expected a string of at least ${MIN_SECRET_LENGTH} characters.`,
    );
  }
  return value;
}

/**
 * The hand-off secret: the option, else KEYGUARD_CONTEXT_SECRET, else the root key. The
 * root key is safe as a default: the MAC is domain-separated, and the hand-off is bound to
 * the verifying side's root key digest, so sharing a secret never shares a verification.
 */
export function contextSecretOf(options: UnkeyNextOptions | undefined): string | undefined {
  return (
    checkedSecret("contextSecret", options?.contextSecret) ??
    checkedSecret("KEYGUARD_CONTEXT_SECRET", env("KEYGUARD_CONTEXT_SECRET")) ??
    options?.rootKey ??
    env("UNKEY_ROOT_KEY")
  );
}
