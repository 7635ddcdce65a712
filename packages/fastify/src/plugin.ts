import {
  createGuard,
  type Decision,
  type Deny,
  type Guard,
  isPromise,
  type PreparedRoute,
} from "@keyguard/core";
import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from "fastify";
import fp from "fastify-plugin";
import {
  checkRouteConfig,
  type FastifyRouteUnkeyOptions,
  type KeyguardFastifyOptions,
  splitOptions,
} from "./options";

/** A route compiled as public: never guarded. */
const PUBLIC = null;

const keyguardPlugin: FastifyPluginCallback<KeyguardFastifyOptions> = (fastify, options, done) => {
  // Everything expensive happens once, here: options checked, verifier (and cache) built.
  let guard: Guard;
  let hooks: ReturnType<typeof splitOptions>["hooks"];
  try {
    const split = splitOptions(options);
    hooks = split.hooks;
    guard = createGuard(split.guardOptions);
  } catch (error) {
    return done(error as Error);
  }
  const { getKey, onDenied, onError, skip } = hooks;
  const defaultRoute = guard.route();
  // Keyed by the route's own `config.unkey` object, which Fastify hands to every request of the route.
  const routes = new WeakMap<FastifyRouteUnkeyOptions, PreparedRoute | typeof PUBLIC>();

  function compile(config: unknown, method: RouteOptions["method"], url: string) {
    const where = `route ${Array.isArray(method) ? method.join(",") : method} ${url}: `;
    const checked = checkRouteConfig(config, where);
    const compiled = checked.public ? PUBLIC : guard.route(checked, `${where}config.unkey.`);
    routes.set(checked, compiled);
    return compiled;
  }

  async function refuse(decision: Deny, request: FastifyRequest, reply: FastifyReply) {
    if (decision.error !== undefined && onError !== undefined) {
      const pending = onError(decision.error, request, reply);
      if (pending !== reply && isPromise(pending)) await pending;
      if (reply.sent) return;
    }
    if (onDenied !== undefined) {
      const pending = onDenied(decision, request, reply);
      if (pending !== reply && isPromise(pending)) await pending;
      if (reply.sent) return;
    }
    // The decision's headers carry content-type application/problem+json (RFC 9457).
    reply.code(decision.status).headers(decision.headers).send(decision.body);
  }

  function settle(
    decision: Decision,
    request: FastifyRequest,
    reply: FastifyReply,
    next: HookHandlerDoneFunction,
  ) {
    if (!decision.allowed) {
      // A denial replies and never calls `next`: the handler (and body parsing) never run.
      refuse(decision, request, reply).catch(next);
      return;
    }
    for (const name in decision.headers) reply.header(name, decision.headers[name]);
    request.unkey = decision.context ?? null;
    next();
  }

  function onRequest(request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) {
    if (skip?.(request)) return next();
    let route = defaultRoute;
    const config = request.routeOptions.config.unkey;
    if (config !== undefined) {
      let compiled = routes.get(config);
      // A route declared before the plugin was registered was never seen by onRoute.
      if (compiled === undefined) compiled = compile(config, request.method, request.url);
      if (compiled === PUBLIC) return next();
      route = compiled;
    }
    const decision = guard.check(
      {
        method: request.method,
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        url: request.url,
        key: getKey === undefined ? undefined : (getKey(request) ?? null),
      },
      route,
    );
    // A cache hit is decided synchronously: no promise on the hot path.
    if (decision instanceof Promise) {
      decision.then((settled) => settle(settled, request, reply, next), next);
    } else {
      settle(decision, request, reply, next);
    }
  }

  if (!fastify.hasRequestDecorator("unkey")) fastify.decorateRequest("unkey", null);
  fastify.addHook("onRoute", (route) => {
    const config = route.config?.unkey;
    if (config !== undefined && !routes.has(config)) compile(config, route.method, route.url);
  });
  // onRequest runs before the body is read: a refused request never costs a parse.
  fastify.addHook("onRequest", onRequest);
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
