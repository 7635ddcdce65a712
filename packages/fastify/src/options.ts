import type { KeyContext } from "@keyguard/core";
import {
  type Deny,
  type GuardOptions,
  KeyguardConfigError,
  type KeyguardError,
  type RouteOptions,
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

/** Options of the `keyguard` plugin: the core's guard options plus Fastify hooks. */
export interface KeyguardFastifyOptions extends GuardOptions {
  /**
   * Reads the key from the request yourself (`null` or `undefined` for none);
   * when given, `keySources` are not read. Must be synchronous.
   * @default undefined (the key is read from `keySources`)
   */
  getKey?: (request: FastifyRequest) => string | null | undefined;
  /**
   * Writes a denial yourself. If it has not sent a reply when it returns (or
   * its promise settles), the default problem+json answer is sent.
   * @default undefined (status, headers and problem+json body of the decision)
   */
  onDenied?: (decision: Deny, request: FastifyRequest, reply: FastifyReply) => unknown;
  /**
   * Called when the verifier itself failed (Unkey unreachable, timed out, or
   * refusing the root key), before the 503/500 denial. May send its own reply.
   * @default undefined (the default denial is sent)
   */
  onError?: (error: KeyguardError, request: FastifyRequest, reply: FastifyReply) => unknown;
  /**
   * Requests for which the guard does not run at all (e.g. health checks).
   * @default undefined (every request of the scope is guarded)
   */
  skip?: (request: FastifyRequest) => boolean;
}

const HOOKS = ["getKey", "onDenied", "onError", "skip"] as const;
const ROUTE_FIELDS = new Set(["permissions", "tags", "cost", "ratelimits", "public"]);

/** Splits the plugin's own hooks from the core's guard options, rejecting bad ones by name. */
export function splitOptions(options: KeyguardFastifyOptions | undefined) {
  if (options === undefined || options === null || typeof options !== "object") {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  const { getKey, onDenied, onError, skip, ...guardOptions } = options;
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
  for (const field of Object.keys(config)) {
    if (!ROUTE_FIELDS.has(field)) {
      throw new KeyguardConfigError(
        `${where}config.unkey.${field}`,
        `unknown option; expected one of ${[...ROUTE_FIELDS].join(", ")}.`,
      );
    }
  }
  const { public: isPublic } = config as FastifyRouteUnkeyOptions;
  if (isPublic !== undefined && typeof isPublic !== "boolean") {
    throw new KeyguardConfigError(`${where}config.unkey.public`, "expected a boolean.");
  }
  return config as FastifyRouteUnkeyOptions;
}
