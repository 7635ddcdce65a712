import { getConnInfo } from "@hono/node-server/conninfo";
import type { GuardOptions } from "@keyguard/core";
import { identify } from "@keyguard/hono";
import type { AdapterHarness, GuardedApp, HookSpec } from "./harness";
import { buildHonoApp } from "./hono.app";
import { serveOnLoopback } from "./running-app";

/** The standard conformance app (hono.app.ts) on @hono/node-server, placing clients by its `getConnInfo`. */
export const honoHarness: AdapterHarness = {
  name: "hono",
  async start(options: GuardOptions, spec?: HookSpec): Promise<GuardedApp> {
    const { app, verifier, handlerCalls } = buildHonoApp(options, spec, {
      clientAddress: identify.ip(getConnInfo),
    });
    return { ...(await serveOnLoopback(app.fetch, handlerCalls)), check: verifier.check };
  },
};
