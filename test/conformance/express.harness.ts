import { createServer } from "node:http";
import type { GuardOptions } from "@keyguard/core";
import { requirePermissions, unkey } from "@keyguard/express";
import express, { type Request, type Response } from "express";
import {
  type AdapterHarness,
  type HandlerBody,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
  type RunningApp,
} from "./harness";

/** Express 4 and 5 share this shape of app factory. */
export type ExpressFactory = () => express.Express;

/**
 * The standard conformance app as an Express user writes it: public routes
 * first, the metered route with its own `unkey()` sharing the app's verifier,
 * then `app.use(unkey())` and `requirePermissions(query)` per route.
 */
export async function startExpressApp(
  createApp: ExpressFactory,
  options: GuardOptions,
): Promise<RunningApp> {
  let calls = 0;
  const handler = (route: string) => (req: Request, res: Response) => {
    calls++;
    const body: HandlerBody = { route, unkey: req.unkey ?? null };
    res.json(body);
  };
  const auth = unkey(options);
  const { keySources, preflight } = options;
  const app = createApp();
  app.get("/public", handler("/public"));
  app.get(
    METERED_ROUTE.path,
    unkey({ verifier: auth.verifier, keySources, preflight, cost: METERED_ROUTE.cost }),
    handler(METERED_ROUTE.path),
  );
  app.use(auth);
  app.get("/protected", handler("/protected"));
  app.options("/protected", (_req, res) => {
    calls++;
    res.status(204).end();
  });
  for (const [path, query] of Object.entries(ROUTE_PERMISSIONS)) {
    app.get(path, requirePermissions(query), handler(path));
  }

  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    handlerCalls: () => calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Express 5. */
export const expressHarness: AdapterHarness = {
  name: "express",
  start: (options) => startExpressApp(express, options),
};
