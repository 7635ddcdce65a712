import {
  type Deny,
  type GuardOptions,
  type KeyContext,
  KeyguardConfigError,
  type KeyguardError,
  type RouteOptions,
  type Verifier,
} from "@keyguard/core";
import { ROUTE_OPTION_NAMES, rejectUnknownOptions, splitHooks } from "@keyguard/core/adapter";
import type { FastifyReply, FastifyRequest } from "fastify";

declare module "fastify" {
  interface FastifyInstance {
    /**
     * The guard for one request, in decorate-only mode (`addHook: false`):
     * resolves with `request.unkey` set, or rejects with an `UnkeyDeniedError`.
     */
    verifyUnkey: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /**
     * The plugin's verifier: `await app.unkeyVerifier.check()` at start-up shows a wrong root
     * key or `baseUrl` before the first request; `invalidate`, `stats`, and `verifier:` to
     * share its cache. The first registration's, when the plugin is registered twice in
     * one scope.
     */
    unkeyVerifier: Verifier;
  }
  interface FastifyRequest {
    /**
     * The key that was let in; `undefined` on public, skipped and unguarded routes and
     * CORS preflights. On a route you know is guarded, `keyOf(request)` gives it
     * non-optional (and throws, answering 500, if the route is not guarded after all).
     */
    unkey?: KeyContext | undefined;
  }
  interface FastifyContextConfig {
    /** What this route asks of the key: `{ permissions, tags, cost, ratelimits, public }`. */
    unkey?: FastifyRouteUnkeyOptions | undefined;
  }
}

/** What a route can ask of the key, in its `config.unkey`. */
export interface FastifyRouteUnkeyOptions extends RouteOptions {
  /**
   * Let the route through unguarded: no key is looked for and `request.unkey` stays `undefined`.
   * @default false
   */
  public?: boolean | undefined;
}

/**
 * Options of the `keyguard` plugin: the core's guard options plus Fastify hooks.
 * Every hook may be async. A hook that throws or rejects, on any path (cache hit
 * or miss), is passed to Fastify's error handler (`setErrorHandler`; Fastify's
 * default answers 500): the request never reaches the route.
 */
export interface KeyguardFastifyOptions extends GuardOptions {
  /**
   * Reads the key from the request yourself (`null` or `undefined` for none);
   * when given, `keySources` are not read. May be async; a throw or rejection
   * reaches the error handler.
   * @default undefined (the key is read from `keySources`)
   */
  getKey?: ((request: FastifyRequest) => MaybePromise<string | null | undefined>) | undefined;
  /**
   * Writes a denial yourself. If it has not sent a reply when it returns (or
   * its promise settles), the default problem+json answer is sent. May be
   * async; a throw or rejection reaches the error handler.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?:
    | ((decision: Deny, request: FastifyRequest, reply: FastifyReply) => unknown)
    | undefined;
  /**
   * Called when the verifier itself failed (Unkey unreachable, timed out, or
   * refusing the root key), before `onDenied` and the 503/500 denial. May send
   * its own reply. May be async; a throw or rejection reaches the error handler.
   * @default undefined (the default denial is sent)
   */
  onError?:
    | ((error: KeyguardError, request: FastifyRequest, reply: FastifyReply) => unknown)
    | undefined;
  /**
   * Requests for which the guard does not run at all (e.g. health checks);
   * `request.unkey` stays `undefined`. May be async; skips only on exactly `true`.
   * Any other result is a bug, passed to the error handler as a `TypeError`
   * naming `skip`; a throw or rejection reaches the error handler. Never a pass.
   * @default undefined (every request of the scope is guarded)
   */
  skip?: ((request: FastifyRequest) => MaybePromise<boolean>) | undefined;
  /**
   * `false` adds no `onRequest` hook: the plugin only decorates the instance with
   * `verifyUnkey(request, reply)`, for routes to opt in (`onRequest:
   * app.verifyUnkey`) or to compose with `@fastify/auth`. There a denial is
   * thrown as an `UnkeyDeniedError` (`statusCode`, `code`, `decision`), the way
   * an auth strategy fails, and your error handler answers it; routes that do
   * not opt in are NOT guarded.
   * @default true (every route of the scope is guarded)
   */
  addHook?: boolean | undefined;
}

type MaybePromise<T> = T | Promise<T>;

// Fastify hands `register`'s own options (prefix, logLevel, logSerializers) to the plugin too.
const REGISTER_OPTION_NAMES = ["prefix", "logLevel", "logSerializers"] as const;
const ROUTE_FIELDS: readonly string[] = Object.freeze([...ROUTE_OPTION_NAMES, "public"]);

/** Splits the plugin's own hooks from the core's guard options, rejecting bad ones by name. */
export function splitOptions(options: KeyguardFastifyOptions | undefined) {
  if (options === undefined || options === null || typeof options !== "object") {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  const { addHook = true, ...rest } = options;
  if (typeof addHook !== "boolean") {
    throw new KeyguardConfigError("addHook", `expected a boolean, got ${typeof addHook}.`);
  }
  const kinds = { getKey: [], onDenied: [], onError: [], skip: [] };
  return { ...splitHooks(rest, kinds, REGISTER_OPTION_NAMES), addHook };
}

/** Checks a route's `config.unkey` shape (the caller names the route in errors). */
export function checkRouteConfig(config: unknown): FastifyRouteUnkeyOptions {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new KeyguardConfigError("config.unkey", "expected an object.");
  }
  rejectUnknownOptions(config, ROUTE_FIELDS, "config.unkey.");
  const { public: isPublic } = config as FastifyRouteUnkeyOptions;
  if (isPublic !== undefined && typeof isPublic !== "boolean") {
    throw new KeyguardConfigError("config.unkey.public", "expected a boolean.");
  }
  // A public route is never verified, so a requirement beside it would silently do nothing.
  const asked = ROUTE_OPTION_NAMES.filter((name) => (config as RouteOptions)[name] !== undefined);
  if (isPublic === true && asked.length > 0) {
    throw new KeyguardConfigError(
      "config.unkey.public",
      `cannot stand beside ${asked.join(", ")}: a public route is never verified. Remove one.`,
    );
  }
  return config as FastifyRouteUnkeyOptions;
}
