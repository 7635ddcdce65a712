import type { KeyContext } from "@keyguard/core";
import {
  type Deny,
  GUARD_OPTION_NAMES,
  type GuardOptions,
  KeyguardConfigError,
  type KeyguardError,
  ROUTE_OPTION_NAMES,
  type RouteOptions,
  rejectUnknownOptions,
} from "@keyguard/core";
import type { FastifyReply, FastifyRequest } from "fastify";

declare module "fastify" {
  interface FastifyRequest {
    /** The key that was let in; `null` on public, skipped and unguarded routes and CORS preflights. */
    unkey: KeyContext | null;
  }
  interface FastifyContextConfig {
    /** What this route asks of the key: `{ permissions, tags, cost, ratelimits, public }`. */
    unkey?: FastifyRouteUnkeyOptions;
  }
}

/** What a route can ask of the key, in its `config.unkey`. */
export interface FastifyRouteUnkeyOptions extends RouteOptions {
  /**
   * Let the route through unguarded: no key is looked for and `request.unkey` stays `null`.
   * @default false
   */
  public?: boolean;
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
  getKey?: (request: FastifyRequest) => MaybePromise<string | null | undefined>;
  /**
   * Writes a denial yourself. If it has not sent a reply when it returns (or
   * its promise settles), the default problem+json answer is sent. May be
   * async; a throw or rejection reaches the error handler.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: (decision: Deny, request: FastifyRequest, reply: FastifyReply) => unknown;
  /**
   * Called when the verifier itself failed (Unkey unreachable, timed out, or
   * refusing the root key), before `onDenied` and the 503/500 denial. May send
   * its own reply. May be async; a throw or rejection reaches the error handler.
   * @default undefined (the default denial is sent)
   */
  onError?: (error: KeyguardError, request: FastifyRequest, reply: FastifyReply) => unknown;
  /**
   * Requests for which the guard does not run at all (e.g. health checks);
   * `request.unkey` stays `null`. May be async; skips only on exactly `true`.
   * Any other result is a bug, passed to the error handler as a `TypeError`
   * naming `skip`; a throw or rejection reaches the error handler. Never a pass.
   * @default undefined (every request of the scope is guarded)
   */
  skip?: (request: FastifyRequest) => MaybePromise<boolean>;
}

type MaybePromise<T> = T | Promise<T>;

const HOOKS = ["getKey", "onDenied", "onError", "skip"] as const;
// Fastify hands `register`'s own options (prefix, logLevel, logSerializers) to the plugin too.
const REGISTER_OPTION_NAMES = ["prefix", "logLevel", "logSerializers"] as const;
type RegisterOptionName = (typeof REGISTER_OPTION_NAMES)[number];
const PLUGIN_OPTION_NAMES: readonly string[] = Object.freeze([
  ...GUARD_OPTION_NAMES,
  ...HOOKS,
  ...REGISTER_OPTION_NAMES,
]);
const ROUTE_FIELDS: readonly string[] = Object.freeze([...ROUTE_OPTION_NAMES, "public"]);

/** Splits the plugin's own hooks from the core's guard options, rejecting bad ones by name. */
export function splitOptions(options: KeyguardFastifyOptions | undefined) {
  if (options === undefined || options === null || typeof options !== "object") {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  // Before the hooks are split off, so that a misspelt hook (`onDenid`) is named as one.
  rejectUnknownOptions(options, PLUGIN_OPTION_NAMES);
  const {
    getKey,
    onDenied,
    onError,
    skip,
    prefix: _prefix,
    logLevel: _logLevel,
    logSerializers: _logSerializers,
    ...guardOptions
  } = options as KeyguardFastifyOptions & Partial<Record<RegisterOptionName, unknown>>;
  for (const name of HOOKS) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new KeyguardConfigError(name, `expected a function, got ${typeof options[name]}.`);
    }
  }
  return { hooks: { getKey, onDenied, onError, skip }, guardOptions };
}

/** Checks a route's `config.unkey` shape; `where` names the route in errors. */
export function checkRouteConfig(config: unknown, where: string): FastifyRouteUnkeyOptions {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new KeyguardConfigError(`${where}config.unkey`, "expected an object.");
  }
  rejectUnknownOptions(config, ROUTE_FIELDS, `${where}config.unkey.`);
  const { public: isPublic } = config as FastifyRouteUnkeyOptions;
  if (isPublic !== undefined && typeof isPublic !== "boolean") {
    throw new KeyguardConfigError(`${where}config.unkey.public`, "expected a boolean.");
  }
  return config as FastifyRouteUnkeyOptions;
}
