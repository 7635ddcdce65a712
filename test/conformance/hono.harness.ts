import type { GuardOptions } from "@keyguard/core";
import type { AdapterHarness, HookSpec, RunningApp } from "./harness";
import { buildHonoApp } from "./hono.app";
import { serveOnLoopback } from "./running-app";

/** The standard conformance app (hono.app.ts) on @hono/node-server. */
export const honoHarness: AdapterHarness = {
  name: "hono",
  async start(options: GuardOptions, spec?: HookSpec): Promise<RunningApp> {
    const { app, handlerCalls } = buildHonoApp(options, spec);
    return serveOnLoopback(app.fetch, handlerCalls);
  },
};
