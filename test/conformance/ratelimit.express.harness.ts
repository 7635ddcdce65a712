import { createServer } from "node:http";
import { createRequire } from "node:module";
import { identify, ratelimit, unkey } from "@keyguard/express";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import type { RunningApp } from "./harness";
import {
  errorBody,
  identifierFor,
  middlewareOptions,
  RATELIMIT_ROUTES,
  type RatelimitAppOptions,
  type RatelimitHarness,
} from "./ratelimit.harness";
import { listenOnLoopback } from "./running-app";

type ExpressFactory = () => express.Express;

/** The rate-limit app as an Express user writes it: `ratelimit()` per route, `unkey()` before it where a key is needed. */
async function startApp(
  createApp: ExpressFactory,
  options: RatelimitAppOptions,
): Promise<RunningApp> {
  let calls = 0;
  const app = createApp();
  const auth = unkey({ rootKey: options.rootKey, baseUrl: options.baseUrl });
  for (const route of RATELIMIT_ROUTES) {
    const limit = ratelimit({
      ...middlewareOptions(options, route),
      identifier: identifierFor(route.identifier, identify),
    });
    const chain: RequestHandler[] = route.keyGuard ? [auth, limit] : [limit];
    app.get(route.path, ...chain, (_req, res) => {
      calls++;
      res.json({ route: route.path });
    });
  }
  app.use(answerError);
  return listenOnLoopback(createServer(app), () => calls);
}

const answerError: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  res.statusCode = 500;
  res.setHeader("content-type", "application/problem+json");
  res.end(JSON.stringify(errorBody(error)));
};

// Express 4 is installed as the `express4` alias (test/package.json).
const express4 = createRequire(import.meta.url)("express4") as ExpressFactory;

export const expressRatelimitHarness: RatelimitHarness = {
  name: "express",
  start: (options) => startApp(express, options),
};

export const express4RatelimitHarness: RatelimitHarness = {
  name: "express4",
  start: (options) => startApp(express4, options),
};
