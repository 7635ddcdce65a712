import {
  addressGroup,
  createGuard,
  type Guard,
  loggerOf,
  type PreparedRequest,
  type RouteSecurity,
  routeSecurityOf,
  schemesOf,
} from "@keyguard/core/adapter";
import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  HookHandlerDoneFunction,
  RouteOptions,
} from "fastify";
import fp from "fastify-plugin";
import { noteGuardRan } from "./guard-ran";
import { SECURITY_KEY } from "./openapi";
import { optInOf } from "./opt-in";
import { auditOptIns } from "./opt-in-audit";
import { type KeyguardFastifyOptions, splitOptions } from "./options";
import { pluginName } from "./plugin-name";
import { guardRequestWith, onRequestHook } from "./request-hook";
import { createSettle, type Settle, settleOrThrow } from "./respond";
import { noteGuard, noteOpen, trackRoutes } from "./route-inventory";
import { createRouteTable, PUBLIC } from "./route-table";
import { unguardedRoute, watchScopes } from "./scope-audit";

// What the second of two keyguard guards on a route says to do (see `Guard.again` in the
// core): the plugin that guards the route already applies its config.unkey, in one verification.
const FIX_TWICE =
  "Let one keyguard plugin guard each route: put what the route asks for (cost, ratelimits, permissions) in its config.unkey, which the plugin that already guards it applies in its one verification, instead of a second registration or verifyUnkey on it.";

const keyguardPlugin: FastifyPluginCallback<KeyguardFastifyOptions> = (fastify, options, done) => {
  // Everything expensive happens once, here: options checked, verifier (and cache) built.
  let guard: Guard;
  let hooks: ReturnType<typeof splitOptions>["hooks"];
  let addHook: boolean;
  try {
    const split = splitOptions(options);
    hooks = split.hooks;
    addHook = split.addHook;
    const name = pluginName(fastify, addHook, split.guardOptions);
    guard = createGuard(split.guardOptions, { name, fixTwice: FIX_TWICE }, { addressGroup });
  } catch (error) {
    return done(error as Error);
  }
  const routes = createRouteTable(guard);
  const guardRequest = guardRequestWith(guard, routes, hooks.getKey);
  const hookWith = (settle: Settle) => onRequestHook(guardRequest, hooks.skip, settle);

  // `undefined` until a key is let in, as `req.unkey` and `c.get("unkey")` are elsewhere.
  if (!fastify.hasRequestDecorator("unkey")) fastify.decorateRequest("unkey", undefined);
  if (!fastify.hasDecorator("unkeyVerifier")) fastify.decorate("unkeyVerifier", guard.verifier);
  watchScopes(fastify);
  trackRoutes(fastify);
  // Refuses to start with a route that asks for a key where no keyguard plugin runs.
  fastify.addHook("onReady", (done) => done(unguardedRoute(fastify)));
  const verifyUnkey = verifyUnkeyWith(hookWith(settleOrThrow));
  const schemes = schemesOf(guard.sources);
  fastify.addHook("onRoute", (route) => {
    const config = route.config?.unkey;
    const compiled = routes.declare(config, route.method, route.url);
    if (compiled === PUBLIC) return;
    const optIn = addHook ? undefined : optInOf(route, verifyUnkey);
    if (addHook || optIn?.runs) annotate(route, schemes, compiled);
    // For auditRoutes(): "key" only where no route hook can answer before the guard.
    if (addHook || optIn?.first) noteGuard(fastify, route, compiled);
    else if (optIn?.note !== undefined) noteOpen(fastify, route, optIn.note);
  });
  if (addHook) {
    // onRequest runs before the body is read: a refused request never costs a parse.
    fastify.addHook("onRequest", hookWith(createSettle(hooks)));
  } else {
    // Decorate-only: routes opt in (`onRequest: app.verifyUnkey`, or `@fastify/auth`),
    // and a denial is thrown as an UnkeyDeniedError, the way auth strategies fail.
    fastify.decorate("verifyUnkey", verifyUnkey);
    // A route that asks for a key, on whose request verifyUnkey never ran: 500, never open.
    auditOptIns(fastify, loggerOf(guard.verifier));
  }
  done();
};

/** `app.verifyUnkey`: the guard as a promise, for routes that opt in and `@fastify/auth`. */
function verifyUnkeyWith(
  throwing: ReturnType<typeof onRequestHook>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return (request, reply) =>
    new Promise<void>((resolve, reject) =>
      throwing(request, reply, ((error?: Error) => {
        if (!error) return resolve();
        // Refused, it still decided: an @fastify/auth strategy may catch it and try another.
        noteGuardRan(request);
        reject(error);
      }) as HookHandlerDoneFunction),
    );
}

/** What the route enforces, for keyguardOpenApi() (@fastify/swagger): zero annotations. */
function annotate(
  route: RouteOptions,
  schemes: RouteSecurity["schemes"],
  compiled: PreparedRequest,
) {
  const security: RouteSecurity = routeSecurityOf(schemes, compiled);
  // An `x-` key: @fastify/swagger copies it onto the operation; Fastify ignores it.
  route.schema = { ...route.schema, [SECURITY_KEY]: security } as FastifySchema;
}

/**
 * Fastify plugin that guards routes with Unkey API keys. Registered at the root
 * it guards every route; registered inside an encapsulated scope it guards only
 * that scope. Per-route options live in `config.unkey`; the verified key is
 * `request.unkey`. Bad options (including a route's permission query) fail at
 * start-up with an error naming the option and the route.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { keyguard } from "@keyguard/fastify";
 *
 * const app = Fastify();
 * await app.register(keyguard, { rootKey: process.env.UNKEY_ROOT_KEY });
 * app.get("/health", { config: { unkey: { public: true } } }, () => "ok");
 * app.get("/docs", { config: { unkey: { permissions: "docs.read" } } }, (request) => ({
 *   keyId: request.unkey?.keyId,
 * }));
 * ```
 */
export const keyguard = fp(keyguardPlugin, { name: "@keyguard/fastify", fastify: "5.x" });
