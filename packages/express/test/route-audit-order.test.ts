import { createRequire } from "node:module";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import express5, { type NextFunction, type Request, type Response } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoOpenRoutes, auditRoutes, requirePermissions, unkey } from "../src/index";

const express4 = createRequire(import.meta.url)("express4") as typeof express5;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const answer = (text: string) => (_req: Request, res: Response) => {
  res.send(text);
};
const guard = () => unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url });
const onError = (_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  res.status(500).end();
};

/**
 * Handlers declared before the route's own guard (issue 32 item 1, reproduced in
 * review38's `attack/express-audit-order.mjs`), beside the orders that are guarded.
 */
function build(express: typeof express5) {
  const app = express();
  app.get("/a", answer("open a"), guard());
  app.get("/b", answer("open b"), guard(), answer("b"));
  app.route("/c").get(answer("open c")).all(guard());
  app.get("/d", guard(), answer("d")); // the guard first
  app.get("/e", onError, guard(), answer("e")); // an error handler never answers first
  app.get("/f", guard(), answer("f"), requirePermissions("f.read"), answer("never"));
  app.route("/g").all(guard()).get(answer("g")); // guards alone for ALL, then GET
  return app;
}

// ALL rows are asked with a method no route of `build` declares, so the row's own layers answer.
const methodOf = (row: { method: string }) =>
  (row.method === "ALL" ? "patch" : row.method.toLowerCase()) as "get";

describe.each([
  ["express 5", express5],
  ["express 4", express4],
])("route audit on %s: a handler declared before the route's guard", (_name, express) => {
  it("lists every route, each as a request without a key finds it", async () => {
    const app = build(express);
    const rows = auditRoutes(app);
    expect(rows.map((row) => `${row.method} ${row.path} ${row.access}`)).toEqual([
      "GET /a open",
      "GET /b open",
      "ALL /c key",
      "GET /c open",
      "GET /d key",
      "GET /e key",
      "GET /f key",
      "ALL /g key",
      "GET /g key",
    ]);
    for (const row of rows) {
      const { status } = await request(app)[methodOf(row)](row.path);
      // A "key" row refuses a request without a key; a route that answers one is "open".
      const seen = `${row.method} ${row.path} ${status === 200 ? "answers" : status}`;
      expect(seen).toBe(`${row.method} ${row.path} ${row.access === "key" ? 401 : "answers"}`);
    }
  });

  it("says why a route holding a guard is open", () => {
    const rows = auditRoutes(build(express));
    const b = rows.find((row) => row.path === "/b");
    expect(b?.note).toBe(
      "a handler in this route comes before its guard and answers without it: put the guard first",
    );
    // The permission after a handler never runs before it: not the route's requirement.
    expect(rows.find((row) => row.path === "/f")?.permissions).toBeUndefined();
  });

  it("fails assertNoOpenRoutes on exactly the routes that answer without a key", () => {
    expect(() => assertNoOpenRoutes(build(express))).toThrow(
      /3 routes answer requests without an API key: GET \/a, GET \/b, GET \/c\./,
    );
  });
});
