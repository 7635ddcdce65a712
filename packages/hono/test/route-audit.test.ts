import { type Emulator, startEmulator } from "@keyguard/emulator";
import { configErrorOf } from "@keyguard/test-support";
import { type Context, Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertNoOpenRoutes,
  auditRoutes,
  formatRouteAudit,
  identify,
  type RouteAuditRow,
  ratelimit,
  requirePermissions,
  unkey,
} from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

const ok = (c: Context) => c.json({ keyId: c.var.unkey?.keyId ?? null });

/** An app with open, guarded (app-wide on a path and per route) and rate-limited-only routes. */
function build() {
  const app = new Hono();
  const connection = { rootKey: emulator.rootKey, baseUrl: emulator.url };
  app.get("/health", (c) => c.text("ok")); // before any guard
  const auth = unkey(connection);
  app.post("/search", unkey({ verifier: auth.verifier, cost: 5 }), ok);
  app.post(
    "/login",
    ratelimit({
      ...connection,
      namespace: "hono.audit.login",
      limit: 100,
      duration: 60_000,
      identifier: identify.header("x-client"),
    }),
    ok,
  );
  app.use("/api/*", auth);
  app.get("/api/docs", requirePermissions("docs.read"), ok);
  app.delete("/api/docs/:id", requirePermissions("docs.delete OR admin"), ok);
  app.get("/status", ok); // after the guard, outside /api/*
  return app;
}

describe("auditRoutes(app) on Hono", () => {
  it("lists each route with its protection, sorted by path then method", () => {
    expect(auditRoutes(build(), { public: ["GET /health"] })).toEqual([
      { method: "GET", path: "/api/docs", access: "key", permissions: "docs.read" },
      {
        method: "DELETE",
        path: "/api/docs/:id",
        access: "key",
        permissions: "docs.delete OR admin",
      },
      { method: "GET", path: "/health", access: "public" },
      { method: "POST", path: "/login", access: "open" },
      { method: "POST", path: "/search", access: "key", cost: 5 },
      { method: "GET", path: "/status", access: "open" },
    ]);
  });

  it("agrees with what a request without a key gets: 401 exactly on the key routes", async () => {
    const app = build();
    for (const row of auditRoutes(app) as RouteAuditRow[]) {
      const path = row.path.replace(":id", "1");
      const response = await app.request(path, {
        method: row.method,
        headers: { "x-client": "audit" },
      });
      expect({ route: `${row.method} ${row.path}`, status: response.status }).toEqual({
        route: `${row.method} ${row.path}`,
        status: row.access === "key" ? 401 : 200,
      });
    }
  });

  it("joins the queries of every guard in front of a route, and takes the first guard's cost", () => {
    const app = new Hono();
    const auth = unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url, permissions: "api" });
    app.use(auth);
    app.get("/admin", requirePermissions("admin"), ok);
    expect(auditRoutes(app)).toEqual([
      { method: "GET", path: "/admin", access: "key", permissions: "(api) AND (admin)" },
    ]);
  });

  it("refuses a public entry that names no route, naming it and the route it may have meant", () => {
    const error = configErrorOf(() =>
      auditRoutes(build(), { public: ["GET /helth", "get /health"] }),
    );
    expect(error.option).toBe("public");
    expect(error.message).toContain(
      'names a route this app does not have: "GET /helth" (did you mean "GET /health"?).',
    );
    const methodTypo = configErrorOf(() => auditRoutes(build(), { public: ["GET /login"] }));
    expect(methodTypo.message).toContain('"GET /login" (did you mean "POST /login"?)');
  });

  it("refuses a malformed public entry by its index", () => {
    expect(configErrorOf(() => auditRoutes(build(), { public: ["/health"] })).option).toBe(
      "public[0]",
    );
  });
});

describe("assertNoOpenRoutes(app) on Hono", () => {
  it("throws a KeyguardConfigError naming every open route", () => {
    const error = configErrorOf(() => assertNoOpenRoutes(build()));
    expect(error.message).toContain("3 routes answer without an API key");
    expect(error.message).toContain("GET /health, POST /login, GET /status");
    expect(error.message).not.toContain("/api/docs");
  });

  it("passes once the open routes are marked public", () => {
    const rows = assertNoOpenRoutes(build(), {
      public: ["GET /health", "POST /login", "GET /status"],
    });
    expect(rows.filter((row) => row.access === "public")).toHaveLength(3);
  });
});

describe("formatRouteAudit(rows)", () => {
  it("prints aligned columns with a heading, - where a route asks nothing", () => {
    const app = new Hono();
    app.get("/health", (c) => c.text("ok"));
    app.use(unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url }));
    app.post("/search", requirePermissions("search"), ok);
    expect(formatRouteAudit(auditRoutes(app, { public: ["GET /health"] }))).toBe(
      [
        "METHOD  PATH     ACCESS  PERMISSIONS  COST  RATELIMITS",
        "GET     /health  public  -            -     -",
        "POST    /search  key     search       -     -",
      ].join("\n"),
    );
  });
});
