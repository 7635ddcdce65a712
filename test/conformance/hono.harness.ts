import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { GuardOptions } from "@keyguard/core";
import { requirePermissions, unkey } from "@keyguard/hono";
import { type Context, Hono } from "hono";
import {
  type AdapterHarness,
  type HandlerBody,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
  type RunningApp,
} from "./harness";

/**
 * The standard conformance app as a Hono user writes it, on @hono/node-server:
 * public routes first, the metered route with its own `unkey()` sharing the
 * app's verifier, then `app.use(unkey())` and `requirePermissions(query)`.
 */
export const honoHarness: AdapterHarness = {
  name: "hono",
  async start(options: GuardOptions): Promise<RunningApp> {
    let calls = 0;
    const handler = (route: string) => (c: Context) => {
      calls++;
      const body: HandlerBody = { route, unkey: c.var.unkey ?? null };
      return c.json(body);
    };
    const auth = unkey(options);
    const { keySources, preflight } = options;
    const app = new Hono();
    app.get("/public", handler("/public"));
    app.get(
      METERED_ROUTE.path,
      unkey({ verifier: auth.verifier, keySources, preflight, cost: METERED_ROUTE.cost }),
      handler(METERED_ROUTE.path),
    );
    app.use(auth);
    app.get("/protected", handler("/protected"));
    app.options("/protected", (c) => {
      calls++;
      return c.body(null, 204);
    });
    for (const [path, query] of Object.entries(ROUTE_PERMISSIONS)) {
      app.get(path, requirePermissions(query), handler(path));
    }

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
      handlerCalls: () => calls,
      close: () =>
        new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        ),
    };
  },
};
