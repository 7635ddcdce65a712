import { type Guard, locateConfigErrors, type PreparedRequest } from "@keyguard/core/adapter";
import type { FastifyRequest, RouteOptions } from "fastify";
import { checkRouteConfig, type FastifyRouteUnkeyOptions } from "./options";

/** A route compiled as public: never guarded. */
export const PUBLIC = null;

/** A route's `config.unkey` compiled: what the guard asks of its key, or `PUBLIC`. */
export type CompiledRoute = PreparedRequest | typeof PUBLIC;

/** The keyguard plugin's routes, each compiled once. */
export interface RouteTable {
  /** A route as it is declared (`onRoute`): a bad `config.unkey` fails at start-up. */
  declare(config: unknown, method: RouteOptions["method"], url: string): CompiledRoute;
  /** The route of a request; one declared before the plugin is compiled at its first request. */
  of(config: FastifyRouteUnkeyOptions | undefined, request: FastifyRequest): CompiledRoute;
}

/** The route table of one keyguard plugin, whose `guard` compiles each route's options. */
export function createRouteTable(guard: Guard): RouteTable {
  const defaultRoute = guard.route();
  // Keyed by the route's own `config.unkey` object, which Fastify hands to every request of the route.
  const routes = new WeakMap<FastifyRouteUnkeyOptions, CompiledRoute>();

  function compile(config: unknown, method: RouteOptions["method"], url: string) {
    // Errors keep the option's own path (`config.unkey.permissions`) and name the route apart.
    const at = `route ${Array.isArray(method) ? method.join(",") : method} ${url}`;
    return locateConfigErrors(at, () => {
      const checked = checkRouteConfig(config);
      const { public: isPublic, ...routeOptions } = checked;
      const compiled = isPublic ? PUBLIC : guard.route(routeOptions, "config.unkey.");
      routes.set(checked, compiled);
      return compiled;
    });
  }

  return {
    declare(config, method, url) {
      if (config === undefined) return defaultRoute;
      const known = routes.get(config as FastifyRouteUnkeyOptions);
      return known !== undefined ? known : compile(config, method, url);
    },
    of(config, request) {
      if (config === undefined) return defaultRoute;
      const compiled = routes.get(config);
      // A route declared before the plugin was registered was never seen by onRoute: compiled
      // on its first request, named by its pattern (the URL may carry a key in its query).
      if (compiled !== undefined) return compiled;
      const { method, url } = request.routeOptions;
      return compile(config, method, url ?? "(unmatched)");
    },
  };
}
