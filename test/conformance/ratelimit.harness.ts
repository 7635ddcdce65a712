import type { Identify, IdentifyHelpers } from "@keyguard/core";
import type { RunningApp } from "./harness";

/**
 * The rate-limit app every adapter builds, in its own idiom. Each route answers
 * 200 `{ route }` when let through; all share one Unkey namespace and the
 * window {@link RATELIMIT_DURATION}. Routes with `keyGuard` sit behind the key
 * guard, which runs first (their identifier reads the key id).
 */
export interface RatelimitRouteSpec {
  readonly path: string;
  readonly identifier: IdentifierKind;
  readonly limit: number;
  readonly cost?: number;
  readonly keyGuard?: boolean;
}

/** How a route identifies requests: the ready-made helpers, or a buggy function. */
export type IdentifierKind =
  | "ip"
  | "user-header"
  | "key-and-tenant"
  | "non-string"
  | "empty"
  | "too-long";

export const RATELIMIT_DURATION = 60_000;

export const RATELIMIT_ROUTES: readonly RatelimitRouteSpec[] = [
  { path: "/login", identifier: "ip", limit: 2 },
  { path: "/by-user", identifier: "user-header", limit: 2 },
  { path: "/cost", identifier: "user-header", limit: 3, cost: 2 },
  { path: "/tenant", identifier: "key-and-tenant", limit: 2, keyGuard: true },
  { path: "/buggy", identifier: "non-string", limit: 2 },
  { path: "/empty", identifier: "empty", limit: 2 },
  { path: "/too-long", identifier: "too-long", limit: 2 },
];

/** The identifier function of a route, from the adapter's own `identify` helpers. */
export function identifierFor<R>(kind: IdentifierKind, identify: IdentifyHelpers<R>): Identify<R> {
  switch (kind) {
    case "ip":
      return identify.ip();
    case "user-header":
      return identify.header("x-user");
    case "key-and-tenant":
      return identify.compound(identify.keyId(), identify.header("x-tenant"));
    case "non-string":
      // A buggy identifier function: TypeScript would catch it, JavaScript would not.
      return () => 42 as unknown as string;
    case "empty":
      return () => "";
    case "too-long":
      return () => "x".repeat(513);
  }
}

/** What every app is started with. */
export interface RatelimitAppOptions {
  readonly rootKey: string;
  readonly baseUrl: string;
  readonly namespace: string;
  readonly failureMode?: "closed" | "open";
}

/** The middleware options of one route, as every adapter takes them. */
export function middlewareOptions(options: RatelimitAppOptions, route: RatelimitRouteSpec) {
  return {
    rootKey: options.rootKey,
    baseUrl: options.baseUrl,
    namespace: options.namespace,
    failureMode: options.failureMode,
    limit: route.limit,
    duration: RATELIMIT_DURATION,
    cost: route.cost,
  };
}

/** Problem+json the app's error handler answers for an error (a bad identifier, say). */
export function errorBody(error: unknown) {
  const code = (error as { code?: unknown })?.code;
  return {
    type: "urn:conformance:error",
    title: "Internal Server Error",
    status: 500,
    detail: error instanceof Error ? error.message : String(error),
    code: typeof code === "string" ? code : "UNEXPECTED",
  };
}

/** One file per adapter implements this. */
export interface RatelimitHarness {
  readonly name: string;
  start(options: RatelimitAppOptions): Promise<RunningApp>;
}
