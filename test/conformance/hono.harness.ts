import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { GuardOptions } from "@keyguard/core";
import type { AdapterHarness, HookSpec, RunningApp } from "./harness";
import { buildHonoApp } from "./hono.app";

/** The standard conformance app (hono.app.ts) on @hono/node-server. */
export const honoHarness: AdapterHarness = {
  name: "hono",
  async start(options: GuardOptions, spec?: HookSpec): Promise<RunningApp> {
    const { app, handlerCalls } = buildHonoApp(options, spec);
    const { server, port } = await new Promise<{
      server: ReturnType<typeof serve>;
      port: number;
    }>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve({ server: started, port: (info as AddressInfo).port }),
      );
    });
    return {
      url: `http://127.0.0.1:${port}`,
      handlerCalls,
      close: () =>
        new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        ),
    };
  },
};
