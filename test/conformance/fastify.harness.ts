import type { GuardOptions } from "@keyguard/core";
import { keyguard } from "@keyguard/fastify";
import Fastify, { type FastifyRequest } from "fastify";
import {
  type AdapterHarness,
  type HandlerBody,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
  type RunningApp,
} from "./harness";

/** The standard conformance app as a Fastify user writes it: one plugin, per-route `config.unkey`. */
export const fastifyHarness: AdapterHarness = {
  name: "fastify",
  async start(options: GuardOptions): Promise<RunningApp> {
    let calls = 0;
    const handler =
      (route: string) =>
      (request: FastifyRequest): HandlerBody => {
        calls++;
        return { route, unkey: request.unkey };
      };
    const app = Fastify();
    await app.register(keyguard, options);
    app.get("/public", { config: { unkey: { public: true } } }, handler("/public"));
    app.get("/protected", handler("/protected"));
    app.options("/protected", (_request, reply) => {
      calls++;
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
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, handlerCalls: () => calls, close: () => app.close() };
  },
};
