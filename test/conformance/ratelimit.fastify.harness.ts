import { identify, keyguard, keyguardRatelimit } from "@keyguard/fastify";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
import type { RunningApp } from "./harness";
import {
  errorBody,
  identifierFor,
  middlewareOptions,
  RATELIMIT_DURATION,
  RATELIMIT_ROUTES,
  type RatelimitAppOptions,
  type RatelimitHarness,
} from "./ratelimit.harness";

/**
 * The rate-limit app as a Fastify user writes it: `keyguard` then
 * `keyguardRatelimit` at the root (hooks run in registration order, so the key
 * is verified before the limit reads its id), each route's limit in
 * `config.ratelimit`, routes without a key marked `config.unkey.public`.
 */
export const fastifyRatelimitHarness: RatelimitHarness = {
  name: "fastify",
  async start(options: RatelimitAppOptions): Promise<RunningApp> {
    let calls = 0;
    const app = Fastify();
    app.setErrorHandler(answerError);
    await app.register(keyguard, { rootKey: options.rootKey, baseUrl: options.baseUrl });
    const { cost: _cost, ...shared } = middlewareOptions(options, {
      path: "",
      identifier: "ip",
      limit: 1,
    });
    await app.register(keyguardRatelimit, {
      ...shared,
      duration: RATELIMIT_DURATION,
      identifier: identify.ip(),
    });
    for (const route of RATELIMIT_ROUTES) {
      const ratelimit = {
        identifier: identifierFor(route.identifier, identify),
        limit: route.limit,
        cost: route.cost,
      };
      const unkey = route.keyGuard ? {} : { public: true };
      app.get(route.path, { config: { ratelimit, unkey } }, () => {
        calls++;
        return { route: route.path };
      });
    }
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, handlerCalls: () => calls, close: () => app.close() };
  },
};

function answerError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.statusCode !== undefined && error.statusCode < 500) return reply.send(error);
  return reply
    .code(500)
    .type("application/problem+json")
    .send(JSON.stringify(errorBody(error)));
}
