import { FastifyAdapter } from "@nestjs/platform-fastify";
import type { AdapterHarness } from "./harness";
import { startNestApp } from "./nestjs-express.harness";

/** NestJS on `@nestjs/platform-fastify`: the same app and table as on Express. */
export const nestjsFastifyHarness: AdapterHarness = {
  name: "nestjs-fastify",
  start: (options, hooks) => startNestApp(new FastifyAdapter(), options, hooks),
};
