import {
  createGuard,
  type Guard,
  hookBoolean,
  isPromise,
  locateConfigErrors,
  loggerOf,
  type PreparedRequest,
  type RouteSecurity,
  schemesOf,
  whenSettled,
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
import { auditOptIns } from "./opt-in-audit";
import {
  checkRouteConfig,
  type FastifyRouteUnkeyOptions,
  type KeyguardFastifyOptions,
  splitOptions,
} from "./options";
import { pluginName } from "./plugin-name";
import { createSettle, type Next, type Settle, settleOrThrow } from "./respond";
import { unguardedRoute, watchScopes } from "./scope-audit";

// What the second of two keyguard guards on a route says to do (see `Guard.again` in the
// core): the plugin that guards the route already applies its config.unkey, in one verification.
const FIX_TWICE =
  "Let one keyguard plugin guard each route: put what the route asks for (cost, ratelimits, permissions) in its config.unkey, which the plugin that already guards it applies in its one verification, instead of a second registration or verifyUnkey on it.";

/** A route compiled as public: never guarded. */
const PUBLIC = null;

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
    guard = createGuard(split.guardOptions, { name, fixTwice: FIX_TWICE });
  } catch (error) {
    return done(error as Error);
  }
  const { getKey, skip } = hooks;
  const defaultRoute = guard.route();
  // The URL is read only when a key source needs it.
  const { readsUrl } = guard;
  // Keyed by the route's own `config.unkey` object, which Fastify hands to every request of the route.
  const routes = new WeakMap<FastifyRouteUnkeyOptions, PreparedRequest | typeof PUBLIC>();

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

  /** The route's compiled options, or `PUBLIC`. */
  function routeOf(
    config: FastifyRouteUnkeyOptions | undefined,
    request: FastifyRequest,
  ): PreparedRequest | typeof PUBLIC {
    if (config === undefined) return defaultRoute;
    const compiled = routes.get(config);
    // A route declared before the plugin was registered was never seen by onRoute: compiled
    // on its first request, named by its pattern (the URL may carry a key in its query).
    if (compiled !== undefined) return compiled;
    const { method, url } = request.routeOptions;
    return compile(config, method, url ?? "(unmatched)");
  }

  function check(
    settle: Settle,
    request: FastifyRequest,
    reply: FastifyReply,
    next: Next,
    route: PreparedRequest,
    pattern: string | undefined,
    key?: string | null,
  ) {
    const decision = guard.check(
      {
        // A getter over Node's own field: cheaper to pass always than to test for
        // `guard.readsMethod` or a preflight first.
        method: request.method,
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        url: readsUrl ? request.url : undefined,
        // `identify.ip()`'s address: after Fastify's `trustProxy` setting.
        address: guard.readsAddress ? request.ip : undefined,
        route: pattern,
        key,
      },
      route,
    );
    // A cache hit is decided synchronously: no promise, no closure on the hot path.
    if (isPromise(decision))
      whenSettled(decision, (settled) => settle(settled, request, reply, next), next);
    else settle(decision, request, reply, next);
  }

  function guardRequest(settle: Settle, request: FastifyRequest, reply: FastifyReply, next: Next) {
    // A getter that builds a fresh object of a dozen fields on every read: read once.
    const { config, url: pattern } = request.routeOptions;
    const route = routeOf(config.unkey, request);
    if (route === PUBLIC) return next();
    // A key another keyguard plugin (an outer scope's) let in is never verified again.
    const prior = request.unkey;
    if (prior !== undefined) {
      const decision = guard.again(prior, { method: request.method, path: request.url }, route);
      if (decision !== undefined) return settle(decision, request, reply, next);
    }
    if (getKey === undefined) return check(settle, request, reply, next, route, pattern);
    const withKey = (key: string | null | undefined) =>
      check(settle, request, reply, next, route, pattern, key ?? null);
    whenSettled(getKey(request), withKey, next);
  }

  /** The guard as an `onRequest` hook that settles decisions with `settle`. */
  function hookWith(settle: Settle) {
    return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const next = done as Next;
      // A throw or rejection of any hook, on either path, goes to Fastify's error handler.
      try {
        if (skip === undefined) guardRequest(settle, request, reply, next);
        else {
          const skipped = hookBoolean("skip", skip(request));
          const proceed = (yes: boolean) => {
            if (!yes) return guardRequest(settle, request, reply, next);
            noteGuardRan(request);
            next();
          };
          whenSettled(skipped, proceed, next);
        }
      } catch (error) {
        next(error);
      }
    };
  }

  // `undefined` until a key is let in, as `req.unkey` and `c.get("unkey")` are elsewhere.
  if (!fastify.hasRequestDecorator("unkey")) fastify.decorateRequest("unkey", undefined);
  if (!fastify.hasDecorator("unkeyVerifier")) fastify.decorate("unkeyVerifier", guard.verifier);
  watchScopes(fastify);
  // Refuses to start with a route that asks for a key where no keyguard plugin runs.
  fastify.addHook("onReady", (done) => done(unguardedRoute(fastify)));
  const schemes = schemesOf(guard.sources);
  const throwing = hookWith(settleOrThrow);
  const verifyUnkeyDecoration = (request: FastifyRequest, reply: FastifyReply) =>
    new Promise<void>((resolve, reject) =>
      throwing(request, reply, ((error?: Error) => {
        if (!error) return resolve();
        // Refused, it still decided: an @fastify/auth strategy may catch it and try another.
        noteGuardRan(request);
        reject(error);
      }) as HookHandlerDoneFunction),
    );
  fastify.addHook("onRoute", (route) => {
    const config = route.config?.unkey;
    let compiled = config === undefined ? defaultRoute : routes.get(config);
    if (config !== undefined && compiled === undefined)
      compiled = compile(config, route.method, route.url);
    // What the route enforces, for keyguardOpenApi() (@fastify/swagger): zero annotations.
    const optedIn = [route.onRequest ?? []].flat().includes(verifyUnkeyDecoration);
    if (compiled !== PUBLIC && compiled !== undefined && (addHook || optedIn)) {
      const security: RouteSecurity = { schemes, permissions: compiled.querySource };
      // An `x-` key: @fastify/swagger copies it onto the operation; Fastify ignores it.
      route.schema = { ...route.schema, [SECURITY_KEY]: security } as FastifySchema;
    }
  });
  if (addHook) {
    // onRequest runs before the body is read: a refused request never costs a parse.
    fastify.addHook("onRequest", hookWith(createSettle(hooks)));
  } else {
    // Decorate-only: routes opt in (`onRequest: app.verifyUnkey`, or `@fastify/auth`),
    // and a denial is thrown as an UnkeyDeniedError, the way auth strategies fail.
    fastify.decorate("verifyUnkey", verifyUnkeyDecoration);
    // A route that asks for a key, on whose request verifyUnkey never ran: 500, never open.
    auditOptIns(fastify, loggerOf(guard.verifier));
  }
  done();
};

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
