import type { Logger } from "@keyguard/core";
import { deny } from "@keyguard/core/adapter";
import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteHandlerMethod,
  RouteOptions,
} from "fastify";
import { guardRan } from "./guard-ran";
import { asksForKey } from "./scope-audit";

// Decorate-only mode (`addHook: false`) guards a route only where its hooks call verifyUnkey,
// directly or inside the user's own function (an `@fastify/auth` strategy), in any hook phase:
// keyguard cannot read that from the route's options. What it can check is the outcome: by
// the time the handler would run, a keyguard guard has decided on the request, or the route
// that asks for a key in `config.unkey` is answered 500 GUARD_MISSING, never served open.

/**
 * Set on the `config` of each route whose handler is checked. Fastify copies a route's
 * `config` into the route's own (`{ ...opts.config, url, method }`), symbol keys included,
 * so the request-time check below tells a checked route from one `onRoute` never saw.
 */
const HANDLER_CHECKED = Symbol("keyguard: handler checked");
type Checked = { [HANDLER_CHECKED]?: true };

const NOT_VERIFIED =
  "asks for an API key, but verifyUnkey did not run on this request before its handler: the keyguard plugin is registered with addHook: false, which guards only the routes whose hooks call verifyUnkey, so this route would be served to anyone.";
const FIX =
  "Call verifyUnkey in the route's hooks (`onRequest: app.verifyUnkey`, or inside your @fastify/auth strategy), or mark a deliberately open route `public: true`.";
const DECLARED_EARLY =
  "was declared before the keyguard plugin (addHook: false) loaded, so keyguard cannot check that verifyUnkey runs before its handler, and no keyguard guard had decided on this request before its preHandler hooks. Register keyguard first (`await app.register(keyguard, …)`), or call verifyUnkey in the route's onRequest hooks.";

const routeName = (method: string | readonly string[] | undefined, url: string | undefined) =>
  `${[method].flat().join(",")} ${url ?? "(unmatched)"}`;

/** 500 GUARD_MISSING, as problem+json (RFC 9457), the way the scope audit answers it. */
function refuse(reply: FastifyReply, detail: string) {
  const decision = deny("GUARD_MISSING", { detail });
  return reply.code(decision.status).headers(decision.headers).send(decision.body);
}

// Handlers this module wrapped: a route under two decorate-only plugins is wrapped once.
const checkedHandlers = new WeakSet<RouteHandlerMethod>();

/**
 * In an `onRoute` hook of a decorate-only plugin: a route that asks for a key gets its
 * handler wrapped, since the handler runs after every hook phase, whichever one the user
 * put verifyUnkey in. A request no keyguard guard decided on answers 500 GUARD_MISSING,
 * logged once for the route, and the handler never runs.
 */
function checkHandler(route: RouteOptions, logger: Logger): void {
  const handler = route.handler;
  if (!asksForKey(route.config?.unkey) || checkedHandlers.has(handler)) return;
  const name = routeName(route.method, route.url);
  let logged = false;
  const checked: RouteHandlerMethod = function (request, reply) {
    if (guardRan(request)) return handler.call(this, request, reply);
    if (!logged) {
      logged = true;
      logger.error(
        `[keyguard] ${name}: config.unkey ${NOT_VERIFIED} ${FIX} Answered 500 GUARD_MISSING.`,
      );
    }
    return refuse(reply, `This route's config.unkey ${NOT_VERIFIED}`);
  };
  checkedHandlers.add(checked);
  route.handler = checked;
  // A fresh object: one config may be shared by routes declared before the plugin loaded.
  const config: FastifyContextConfig & Checked = { ...route.config, [HANDLER_CHECKED]: true };
  route.config = config;
}

/**
 * A decorate-only plugin's `preHandler` hook, for the routes its `onRoute` hook never saw
 * (declared before it loaded: Fastify lists no routes): their handlers cannot be wrapped, so
 * one that asks for a key answers 500 GUARD_MISSING, logged once, unless a keyguard guard
 * (an app-wide plugin's hook, or verifyUnkey in an earlier hook) already decided. A scope's
 * own `preHandler` hooks run after every `onRequest` hook and before the route's own.
 */
function earlyRouteCheck(logger: Logger) {
  const logged = new WeakSet<object>();
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (guardRan(request)) return done();
    // A getter that builds a fresh object: read only when no guard decided.
    const { config, method, url } = request.routeOptions;
    if ((config as Checked)[HANDLER_CHECKED] || !asksForKey(config.unkey)) return done();
    if (!logged.has(config)) {
      logged.add(config);
      logger.error(
        `[keyguard] ${routeName(method, url)}: config.unkey ${NOT_VERIFIED} The route ${DECLARED_EARLY} Answered 500 GUARD_MISSING.`,
      );
    }
    refuse(reply, `This route's config.unkey ${NOT_VERIFIED}`);
  };
}

/**
 * Makes a decorate-only plugin's scope refuse, with 500 GUARD_MISSING, each request of a route
 * that asks for a key in `config.unkey` but that no keyguard guard decided on before its handler.
 */
export function auditOptIns(scope: FastifyInstance, logger: Logger): void {
  scope.addHook("onRoute", (route) => checkHandler(route, logger));
  scope.addHook("preHandler", earlyRouteCheck(logger));
}
