import { createRequire } from "node:module";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import express5, { type Request, type Response } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoOpenRoutes, auditRoutes, type RouteAuditRow, unkey } from "../src/index";

const express4 = createRequire(import.meta.url)("express4") as typeof express5;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const ok = (_req: Request, res: Response) => {
  res.json({ ok: true });
};
const guard = () => unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url });

/** What a request without a key to a row's path gets: 401 exactly where the row says "key". */
async function statusWithoutKey(app: express5.Express, row: RouteAuditRow, path = row.path) {
  const method = (row.method === "ALL" ? "get" : row.method.toLowerCase()) as "get";
  return (await request(app)[method](path)).status;
}

describe.each([
  // Express 4's optional parameter is `:id?`; Express 5's (path-to-regexp 8) is `{/:id}`.
  ["express 5", express5, "/docs{/:id}"],
  ["express 4", express4, "/docs/:id?"],
])(
  "route audit on %s: a guard counts only where it runs on every request",
  (_name, express, optional) => {
    it("calls a route open when the guard's path matches its text but not all its requests", async () => {
      const app = express();
      app.use("/docs/:id", guard());
      app.get(optional, ok);
      const [row] = auditRoutes(app);
      expect(row).toMatchObject({ method: "GET", path: optional, access: "open" });
      // Express 4's guard matches the text `/docs/:id?` (id "?"): the row says why it is open.
      if (express === express4) expect(row?.note).toContain("a guard at /docs/:id matches");
      expect((await request(app).get("/docs")).status).toBe(200); // the request the guard misses
      expect((await request(app).get("/docs/1")).status).toBe(401);
    });

    it("still calls a route key under a guard whose plain path is a prefix of it", async () => {
      const app = express();
      app.use("/docs/:id", guard());
      app.get("/docs/:docId/raw", ok);
      app.get("/docs/readme", ok);
      app.use("/v1", guard());
      app.get(`/v1${optional}`, ok);
      const rows = auditRoutes(app);
      expect(rows.map((row) => `${row.path} ${row.access}`)).toEqual([
        "/docs/:docId/raw key",
        "/docs/readme key",
        `/v1${optional} key`,
      ]);
      expect((await request(app).get("/docs/1/raw")).status).toBe(401);
      expect((await request(app).get("/docs/readme")).status).toBe(401);
      expect((await request(app).get("/v1/docs")).status).toBe(401);
    });

    it("lists a path-mounted middleware that answers, open before a guard and key after one", async () => {
      const app = express();
      const files = (_req: Request, res: Response) => {
        res.send("a file");
      };
      app.use("/files", files);
      const v2 = express.Router();
      v2.use(files); // in a router mounted at /v2: the middleware answers all of /v2
      app.use("/v2", v2);
      app.use(guard());
      app.use("/private", files);
      const rows = auditRoutes(app);
      expect(rows).toEqual([
        { method: "ALL", path: "/files", access: "open", kind: "middleware" },
        { method: "ALL", path: "/private", access: "key", kind: "middleware" },
        { method: "ALL", path: "/v2", access: "open", kind: "middleware" },
      ]);
      for (const row of rows)
        expect(`${row.path} ${await statusWithoutKey(app, row, `${row.path}/a.txt`)}`).toBe(
          `${row.path} ${row.access === "key" ? 401 : 200}`,
        );
      expect(() => assertNoOpenRoutes(app)).toThrow(
        /2 routes answer requests without an API key: ALL \/files \(middleware\), ALL \/v2 \(middleware\)/,
      );
      expect(assertNoOpenRoutes(app, { public: ["ALL /files", "ALL /v2"] })).toHaveLength(3);
    });

    it("lists express.static at the root, but not express.json() or an error handler", async () => {
      const app = express();
      app.use(express.json());
      app.use(express.static(import.meta.dirname));
      app.use("/api", (_error: unknown, _req: Request, res: Response, _next: () => void) => {
        res.status(500).end();
      });
      app.use(guard());
      app.get("/api/docs", ok);
      expect(auditRoutes(app)).toEqual([
        { method: "ALL", path: "/", access: "open", kind: "middleware" },
        { method: "GET", path: "/api/docs", access: "key" },
      ]);
      // The static middleware answers a file of this folder without a key.
      expect((await request(app).get("/route-audit-coverage.test.ts")).status).toBe(200);
    });
  },
);
