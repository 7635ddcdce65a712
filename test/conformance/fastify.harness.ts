import type { GuardOptions } from "@keyguard/core";
import { type KeyguardFastifyOptions, keyguard } from "@keyguard/fastify";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import {
  type AdapterHarness,
  type GuardedApp,
  type HandlerBody,
  type HookSpec,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
} from "./harness";
import { HOOK_FAILED_BODY, HOOK_FAILED_TYPE, type SpecHooks, specHooks } from "./hooks";

/** The standard conformance app as a Fastify user writes it: one plugin, per-route `config.unkey`. */
export const fastifyHarness: AdapterHarness = {
  name: "fastify",
  async start(options: GuardOptions, spec?: HookSpec): Promise<GuardedApp> {
    let calls = 0;
    const app = Fastify();
    app.setErrorHandler(answerHookFailure);
    try {
      await app.register(keyguard, { ...options, ...fastifyHooks(specHooks(spec)) });
      addRoutes(app, () => calls++);
      await app.ready();
    } catch (error) {
      // The adapter refused the options (or a route's) at start-up.
      await app.close();
      throw error;
    }
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    // The plugin's decorator: `app.unkeyVerifier.check()`.
    return {
      url,
      handlerCalls: () => calls,
      close: () => app.close(),
      check: app.unkeyVerifier.check,
    };
  },
};

function addRoutes(app: FastifyInstance, count: () => void): void {
  const handler =
    (route: string) =>
    (request: FastifyRequest): HandlerBody => {
      count();
      return { route, unkey: request.unkey ?? null };
    };
  app.get("/public", { config: { unkey: { public: true } } }, handler("/public"));
  app.get("/protected", handler("/protected"));
  app.post("/protected", handler("/protected"));
  app.options("/protected", (_request, reply) => {
    count();
    reply.code(204).send();
  });
  for (const [path, permissions] of Object.entries(ROUTE_PERMISSIONS)) {
    app.get(path, { config: { unkey: { permissions } } }, handler(path));
  }
  app.get(
    METERED_ROUTE.path,
    { config: { unkey: { cost: METERED_ROUTE.cost } } },
    handler(METERED_ROUTE.path),
  );
}

/** The spec's hooks in Fastify's signatures. */
function fastifyHooks(hooks: SpecHooks): Partial<KeyguardFastifyOptions> {
  const out: Partial<KeyguardFastifyOptions> = {};
  if (hooks.skip) out.skip = hooks.skip as KeyguardFastifyOptions["skip"];
  if (hooks.getKey) out.getKey = hooks.getKey as KeyguardFastifyOptions["getKey"];
  if (hooks.onDenied) out.onDenied = hooks.onDenied;
  if (hooks.onError) out.onError = hooks.onError;
  return out;
}

/** A hook's error reaches the error handler; Fastify's own 4xx errors keep their answer. */
function answerHookFailure(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.statusCode !== undefined && error.statusCode < 500) return reply.send(error);
  return reply.code(500).type(HOOK_FAILED_TYPE).send(JSON.stringify(HOOK_FAILED_BODY));
}
