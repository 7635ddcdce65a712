import { createServer } from "node:http";
import type { GuardOptions } from "@keyguard/core";
import { requirePermissions, type UnkeyExpressOptions, unkey } from "@keyguard/express";
import express, { type ErrorRequestHandler, type Request, type Response } from "express";
import {
  type AdapterHarness,
  type GuardedApp,
  type HandlerBody,
  type HookSpec,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
  sharedGuardOptions,
} from "./harness";
import { HOOK_FAILED_BODY, HOOK_FAILED_TYPE, type SpecHooks, specHooks } from "./hooks";
import { listenOnLoopback } from "./running-app";

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
  spec?: HookSpec,
): Promise<GuardedApp> {
  let calls = 0;
  const handler = (route: string) => (req: Request, res: Response) => {
    calls++;
    const body: HandlerBody = { route, unkey: req.unkey ?? null };
    res.json(body);
  };
  const auth = unkey({ ...options, ...expressHooks(specHooks(spec)) });
  const app = createApp();
  app.get("/public", handler("/public"));
  app.get(
    METERED_ROUTE.path,
    unkey({ ...sharedGuardOptions(options), verifier: auth.verifier, cost: METERED_ROUTE.cost }),
    handler(METERED_ROUTE.path),
  );
  app.use(auth);
  app.get("/protected", handler("/protected"));
  app.post("/protected", handler("/protected"));
  app.options("/protected", (_req, res) => {
    calls++;
    res.status(204).end();
  });
  for (const [path, query] of Object.entries(ROUTE_PERMISSIONS)) {
    app.get(path, requirePermissions(query), handler(path));
  }
  app.use(answerHookFailure);

  const running = await listenOnLoopback(createServer(app), () => calls);
  // The middleware's verifier: `auth.verifier.check()` is how an Express app checks at start.
  return { ...running, check: auth.verifier.check };
}

/** The spec's hooks in Express's signatures (`onError` as an error-handler-shaped function). */
function expressHooks(hooks: SpecHooks): Partial<UnkeyExpressOptions> {
  const out: Partial<UnkeyExpressOptions> = {};
  if (hooks.skip) out.skip = hooks.skip as UnkeyExpressOptions["skip"];
  if (hooks.getKey) out.getKey = hooks.getKey as UnkeyExpressOptions["getKey"];
  if (hooks.onDenied) out.onDenied = hooks.onDenied;
  if (hooks.onError) out.onError = hooks.onError;
  return out;
}

/** A hook's error reaches the app's error handler (the guard writes its own answers directly). */
const answerHookFailure: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  res.statusCode = 500;
  res.setHeader("content-type", HOOK_FAILED_TYPE);
  res.end(JSON.stringify(HOOK_FAILED_BODY));
};

/** Express 5. */
export const expressHarness: AdapterHarness = {
  name: "express",
  start: (options, hooks) => startExpressApp(express, options, hooks),
};
