import { createRequire } from "node:module";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { configErrorOf } from "@keyguard/test-support";
import express5, { type Request, type Response } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertNoOpenRoutes,
  auditRoutes,
  identify,
  KeyguardSetupError,
  ratelimit,
  requirePermissions,
  unkey,
} from "../src/index";

const express4 = createRequire(import.meta.url)("express4") as typeof express5;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const ok = (_req: Request, res: Response) => {
  res.json({ ok: true });
};

/**
 * Guards at every level Express has: route-level, a router's own `use`, app-wide after
 * some routes; a router whose guard also covers the app's later routes; a rate limit alone.
 */
function build(express: typeof express5) {
  const app = express();
  const connection = { rootKey: emulator.rootKey, baseUrl: emulator.url };
  const auth = unkey(connection);
  app.get("/health", ok); // before any guard
  app.post("/search", unkey({ verifier: auth.verifier, cost: 5 }), ok); // its own guard
  app.post(
    "/login",
    ratelimit({
      ...connection,
      namespace: "express.audit.login",
      limit: 100,
      duration: 60_000,
      identifier: identify.header("x-client"),
    }),
    ok,
  );
  const reports = express.Router();
  reports.get("/daily", ok); // before the router's guard
  reports.use(unkey({ verifier: auth.verifier, permissions: "reports.read" }));
  reports.get("/:id", ok);
  app.use("/reports", reports);
  const open = express.Router();
  open.get("/items", ok);
  app.use("/v1", open); // mounted before the app-wide guard
  app.use(auth);
  app.get("/docs", requirePermissions("docs.read"), ok);
  app.route("/docs/:id").delete(requirePermissions("docs.delete"), ok).all(ok);
  return app;
}

const EXPECTED = [
  { method: "DELETE", path: "/docs/:id", access: "key", permissions: "docs.delete" },
  { method: "ALL", path: "/docs/:id", access: "key" },
  { method: "GET", path: "/docs", access: "key", permissions: "docs.read" },
  { method: "GET", path: "/health", access: "public" },
  { method: "POST", path: "/login", access: "open" },
  { method: "GET", path: "/reports/:id", access: "key", permissions: "reports.read" },
  { method: "GET", path: "/reports/daily", access: "open" },
  { method: "POST", path: "/search", access: "key", cost: 5 },
  { method: "GET", path: "/v1/items", access: "open" },
];

describe.each([
  ["express 5", express5],
  ["express 4", express4],
])("auditRoutes(app) on %s", (_name, express) => {
  it("lists route-, router- and app-level guards as Express runs them", () => {
    expect(auditRoutes(build(express), { public: ["GET /health"] })).toEqual(
      [...EXPECTED].sort((a, b) =>
        a.path === b.path ? (a.method < b.method ? -1 : 1) : a.path < b.path ? -1 : 1,
      ),
    );
  });

  it("agrees with what a request without a key gets: 401 exactly on the key routes", async () => {
    const app = build(express);
    for (const row of auditRoutes(app)) {
      const method = (row.method === "ALL" ? "get" : row.method.toLowerCase()) as "get";
      const response = await request(app)
        [method](row.path.replace(":id", "1"))
        .set("x-client", "audit");
      expect(`${row.method} ${row.path} ${response.status}`).toBe(
        `${row.method} ${row.path} ${row.access === "key" ? 401 : 200}`,
      );
    }
  });

  it("counts a guard inside a router for the app's routes after it, under the router's path", async () => {
    const app = express();
    const gate = express.Router();
    gate.use("/admin", unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url }));
    app.use(gate);
    app.get("/admin/users", ok);
    app.get("/about", ok);
    expect(auditRoutes(app)).toEqual([
      { method: "GET", path: "/about", access: "open" },
      { method: "GET", path: "/admin/users", access: "key" },
    ]);
    expect((await request(app).get("/admin/users")).status).toBe(401);
    expect((await request(app).get("/about")).status).toBe(200);
  });

  it("reads a router mounted under a parameter", () => {
    const app = express();
    const tenant = express.Router();
    tenant.use(unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url }));
    tenant.get("/docs", ok);
    app.use("/:tenant/api", tenant);
    expect(auditRoutes(app)).toEqual([{ method: "GET", path: "/:tenant/api/docs", access: "key" }]);
  });

  it("refuses an app mounted inside the app, whose routes Express hides", () => {
    const app = express();
    const inner = express();
    inner.get("/secret", ok);
    app.use("/inner", inner);
    expect(() => auditRoutes(app)).toThrow(KeyguardSetupError);
    expect(() => auditRoutes(app)).toThrow(/mounted at \/inner/);
  });
});

describe("assertNoOpenRoutes(app) on Express", () => {
  it("throws a KeyguardConfigError naming every open route", () => {
    const error = configErrorOf(() => assertNoOpenRoutes(build(express5)));
    expect(error.message).toContain(
      "4 routes answer without an API key and are not marked public: GET /health, POST /login, GET /reports/daily, GET /v1/items.",
    );
  });

  it("passes once the open routes are marked public", () => {
    const rows = assertNoOpenRoutes(build(express5), {
      public: ["GET /health", "POST /login", "GET /reports/daily", "GET /v1/items"],
    });
    expect(rows).toHaveLength(EXPECTED.length);
  });

  it("refuses a public entry that names no route, all of them in one error", () => {
    const error = configErrorOf(() =>
      assertNoOpenRoutes(build(express5), { public: ["GET /helth", "GET /v1/item"] }),
    );
    expect(error.option).toBe("public");
    expect(error.message).toContain(
      'assertNoOpenRoutes(app): invalid option `public`: names routes this app does not have: "GET /helth" (did you mean "GET /health"?), "GET /v1/item" (did you mean "GET /v1/items"?).',
    );
  });
});
