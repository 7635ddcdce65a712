import { getConnInfo } from "@hono/node-server/conninfo";
import { identify, ratelimit, unkey } from "@keyguard/hono";
import { type Context, Hono } from "hono";
import type { RunningApp } from "./harness";
import {
  errorBody,
  identifierFor,
  middlewareOptions,
  RATELIMIT_ROUTES,
  type RatelimitAppOptions,
  type RatelimitHarness,
} from "./ratelimit.harness";
import { serveOnLoopback } from "./running-app";

// On Node, the client address comes from @hono/node-server's own conninfo helper.
const helpers = { ...identify, ip: () => identify.ip(getConnInfo) };

/** The rate-limit app as a Hono user writes it on @hono/node-server. */
export const honoRatelimitHarness: RatelimitHarness = {
  name: "hono",
  async start(options: RatelimitAppOptions): Promise<RunningApp> {
    let calls = 0;
    const app = new Hono();
    app.onError(
      (error) =>
        new Response(JSON.stringify(errorBody(error)), {
          status: 500,
          headers: { "content-type": "application/problem+json" },
        }),
    );
    const auth = unkey({ rootKey: options.rootKey, baseUrl: options.baseUrl });
    for (const route of RATELIMIT_ROUTES) {
      const limit = ratelimit({
        ...middlewareOptions(options, route),
        identifier: identifierFor(route.identifier, helpers),
      });
      const handler = (c: Context) => {
        calls++;
        return c.json({ route: route.path });
      };
      if (route.keyGuard) app.get(route.path, auth, limit, handler);
      else app.get(route.path, limit, handler);
    }
    return serveOnLoopback(app.fetch, () => calls);
  },
};
