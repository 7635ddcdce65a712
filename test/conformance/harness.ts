import type { GuardOptions, KeyContext, Verifier } from "@keyguard/core";

/**
 * The one app every adapter builds for the conformance suite, in its own
 * framework's idiom. Routes (GET unless noted); every guarded handler answers
 * 200 with `{ route, unkey }`, where `unkey` is the KeyContext the handler saw:
 *
 * | route             | guard                                             |
 * |-------------------|---------------------------------------------------|
 * | /public           | none (public route, never verified)               |
 * | /protected        | any valid key                                     |
 * | POST /protected   | any valid key (an unsafe method, RFC 9110 §9.2.1) |
 * | OPTIONS /protected| guarded route; the handler answers 204            |
 * | /read             | permissions "docs.read"                           |
 * | /write            | permissions "docs.write"                          |
 * | /read-and-write   | permissions "docs.read AND docs.write"            |
 * | /write-or-admin   | permissions "docs.write OR admin"                 |
 * | /grouped          | permissions "(docs.read AND docs.write) OR admin" |
 * | /metered          | cost 1 (every request reaches Unkey)              |
 *
 * The whole app shares one verifier (one cache) built from `options`.
 */
export const ROUTE_PERMISSIONS = {
  "/read": "docs.read",
  "/write": "docs.write",
  "/read-and-write": "docs.read AND docs.write",
  "/write-or-admin": "docs.write OR admin",
  "/grouped": "(docs.read AND docs.write) OR admin",
} as const;

/**
 * The guard options a route's own guard (the metered one) shares with the app-wide guard:
 * where keys are read and how answers are worded.
 */
export function sharedGuardOptions(options: GuardOptions): GuardOptions {
  const { keySources, preflight, realm, ratelimitHeaders, exposeMissingPermissions } = options;
  return { keySources, preflight, realm, ratelimitHeaders, exposeMissingPermissions };
}

/** Route with a per-request cost. */
export const METERED_ROUTE = { path: "/metered", cost: 1 } as const;

/** What a guarded handler sends back. */
export interface HandlerBody {
  route: string;
  unkey: KeyContext | null;
}

export interface RunningApp {
  /** Base URL, e.g. http://127.0.0.1:PORT (always 127.0.0.1, port 0). */
  readonly url: string;
  /** How many times any route handler ran (public included), to prove denials never reach one. */
  handlerCalls(): number;
  close(): Promise<void>;
}

/** A guarded app: a {@link RunningApp} and its verifier's start-up check. */
export interface GuardedApp extends RunningApp {
  /** `verifier.check()` of the app's verifier, reached the way a user of the adapter reaches it. */
  readonly check: Verifier["check"];
}

/**
 * Hooks a scenario installs, as data: each harness turns them into its
 * framework's own hooks (Express/Hono/Fastify options, Nest guard overrides)
 * on the app-wide guard. The one hook contract, tried the same way everywhere.
 */
export interface HookSpec {
  /**
   * `skip` (Nest: `shouldSkip`): `"async-true"`/`"async-false"` resolve to that
   * boolean after a tick; `"non-boolean"` returns the string `"yes"` synchronously;
   * `"throws"` throws; `"rejects"` returns a rejected promise.
   */
  readonly skip?: "async-true" | "async-false" | "non-boolean" | "throws" | "rejects";
  /** `getKey`: `"throws"` throws; `"rejects"` returns a rejected promise. */
  readonly getKey?: "throws" | "rejects";
  /** `onDenied`: `"throws"` throws; `"rejects"` returns a rejected promise. */
  readonly onDenied?: "throws" | "rejects";
  /** `onError`: `"throws"` throws; `"rejects"` returns a rejected promise. */
  readonly onError?: "throws" | "rejects";
}

/** Message of the errors the hooks of a {@link HookSpec} throw. */
export const HOOK_FAILURE = "conformance hook failed";

/** One file per adapter implements this; adding an adapter to the suite takes only that file. */
export interface AdapterHarness {
  readonly name: string;
  /**
   * Starts the standard app on 127.0.0.1:0, guarded with `options` (verifier
   * options such as rootKey, baseUrl, cache, failureMode, staleIfErrorMs,
   * timeoutMs, plus GuardOptions like keySources and preflight) and `hooks` on
   * the app-wide guard. Rejects when the adapter refuses the options at start-up.
   * An error a hook throws must reach the framework's own error handling,
   * which the harness sets to answer 500 `application/problem+json` with
   * `code: "HOOK_FAILED"` (so the runner can tell it from a guard's answer).
   */
  start(options: GuardOptions, hooks?: HookSpec): Promise<GuardedApp>;
}
