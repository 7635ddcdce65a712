import {
  type IdentifyHelpers,
  KeyguardConfigError,
  type RatelimitMiddlewareOptions,
  type RatelimitRouteOptions,
} from "@keyguard/core";
import {
  createRatelimitGuard,
  identifyHelpers,
  locateConfigErrors,
  type PreparedRatelimitRoute,
  type RatelimitGuard,
} from "@keyguard/core/adapter";
import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyContextConfig {
    /** This route's rate limit over the plugin's (`identifier`, `cost`, `limit`, `duration`), or `false` for none. */
    ratelimit?: FastifyRouteRatelimitOptions | false | undefined;
  }
}

/** What a route may change of the plugin's rate limit, in its `config.ratelimit`. */
export type FastifyRouteRatelimitOptions = RatelimitRouteOptions<FastifyRequest>;

/** Options of the `keyguardRatelimit` plugin: the rate limiter's options, `identifier` and `cost`. */
export type KeyguardRatelimitOptions = RatelimitMiddlewareOptions<FastifyRequest>;

/**
 * Ready-made identifiers: `identify.ip()` (Fastify's `request.ip`, which
 * honours the `trustProxy` server option), `identify.keyId()` (the key the
 * `keyguard` plugin let in: register it first), `identify.header(name)`,
 * `identify.compound(...parts)`.
 */
export const identify: IdentifyHelpers<FastifyRequest> = identifyHelpers<FastifyRequest>({
  ip: (request) => request.ip,
  header: (request, name) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  },
  keyId: (request) => request.unkey?.keyId,
});

// Fastify hands `register`'s own options (prefix, logLevel, logSerializers) to the plugin too.
const REGISTER_OPTION_NAMES = ["prefix", "logLevel", "logSerializers"];

function guardOf(options: KeyguardRatelimitOptions): RatelimitGuard<FastifyRequest> {
  if (typeof options !== "object" || options === null)
    throw new KeyguardConfigError("options", "expected an object.");
  const rest = Object.fromEntries(
    Object.entries(options).filter(([name]) => !REGISTER_OPTION_NAMES.includes(name)),
  );
  return createRatelimitGuard<FastifyRequest>(rest as KeyguardRatelimitOptions);
}

type Compiled = PreparedRatelimitRoute<FastifyRequest> | null;

/** The rate-limit plugin's routes, each `config.ratelimit` compiled once. */
interface RatelimitRoutes {
  /** A route as it is declared (`onRoute`): a bad `config.ratelimit` fails at start-up. */
  declare(route: RouteOptions): void;
  /** The route of a request (`null`: not limited); one declared before the plugin is compiled here. */
  of(request: FastifyRequest): Compiled;
}

function ratelimitRoutes(guard: RatelimitGuard<FastifyRequest>): RatelimitRoutes {
  const defaultRoute = guard.route();
  // Keyed by the route's own config object, compiled once (at onRoute, so errors come at start-up).
  const routes = new WeakMap<object, Compiled>();

  /** `at` names the route in errors, apart from the option's own path (`config.ratelimit.cost`). */
  function compile(config: unknown, at: string | undefined): Compiled {
    if (config === undefined) return defaultRoute;
    if (config === false) return null;
    const route = () => guard.route(config as FastifyRouteRatelimitOptions, "config.ratelimit.");
    return at === undefined ? route() : locateConfigErrors(at, route);
  }

  return {
    declare(route) {
      const config: unknown = route.config?.ratelimit;
      if (config === undefined || config === false) return;
      const at = `route ${[route.method].flat().join(",")} ${route.url}`;
      if (typeof config !== "object" || config === null)
        throw new KeyguardConfigError("config.ratelimit", "expected an object or false.", { at });
      if (!routes.has(config)) routes.set(config, compile(config, at));
    },
    of(request) {
      const config = request.routeOptions.config.ratelimit;
      if (typeof config !== "object" || config === null) return compile(config, undefined);
      const known = routes.get(config);
      if (known !== undefined) return known;
      // Declared before the plugin, so never seen by onRoute: named by its pattern, as the URL
      // may carry a key in its query.
      const { method, url } = request.routeOptions;
      const compiled = compile(
        config,
        `route ${[method].flat().join(",")} ${url ?? "(unmatched)"}`,
      );
      routes.set(config, compiled);
      return compiled;
    },
  };
}

const ratelimitPlugin: FastifyPluginCallback<KeyguardRatelimitOptions> = (
  fastify,
  options,
  done,
) => {
  let guard: RatelimitGuard<FastifyRequest>;
  try {
    guard = guardOf(options);
  } catch (error) {
    return done(error as Error);
  }
  const routes = ratelimitRoutes(guard);
  fastify.addHook("onRoute", (route) => routes.declare(route));
  fastify.addHook(
    "onRequest",
    (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const route = routes.of(request);
      if (route === null) return done();
      // A rejection (an identifier that is missing or Unkey would refuse) reaches the error handler.
      guard.check(request, route).then((decision) => {
        if (!decision.allowed)
          return void reply.code(decision.status).headers(decision.headers).send(decision.body);
        reply.headers(decision.headers);
        done();
      }, done);
    },
  );
  done();
};

/**
 * Fastify plugin that rate-limits every route of its scope with Unkey's
 * `ratelimit.limit`; a route changes it in `config.ratelimit` (another
 * `identifier`, `cost`, `limit` or `duration`) or opts out with
 * `config.ratelimit: false`. Register it after `keyguard` to identify by key
 * (`identify.keyId()`). Allowed replies carry `RateLimit-*`; refused requests
 * get 429 problem+json with `Retry-After`. Bad options fail at start-up, naming
 * the route.
 *
 * @example
 * ```ts
 * await app.register(keyguardRatelimit, { namespace: "public", limit: 100, duration: 60_000, identifier: identify.ip() });
 * app.post("/login", { config: { ratelimit: { limit: 5 } } }, login);
 * ```
 */
export const keyguardRatelimit = fp(ratelimitPlugin, {
  name: "@keyguard/fastify/ratelimit",
  fastify: "5.x",
});
