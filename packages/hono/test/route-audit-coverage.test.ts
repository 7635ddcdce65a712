import { type Emulator, startEmulator } from "@keyguard/emulator";
import { type Context, Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoOpenRoutes, auditRoutes, type RouteAuditRow, unkey } from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

const ok = (c: Context) => c.text("ok");
const guard = () => unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url });

/** The status a request without a key gets from `path` (the row's method, GET for ALL). */
async function status(app: Hono, row: RouteAuditRow, path: string) {
  return (await app.request(path, { method: row.method === "ALL" ? "GET" : row.method })).status;
}

describe("auditRoutes(app) on Hono: a guard counts only where it runs on every request", () => {
  it.each([
    // [guard pattern, route pattern, a request the route answers that the guard misses]
    ["/docs/:id", "/docs/:id?", "/docs"],
    ["/docs/:id{[0-9]+}", "/docs/:id", "/docs/abc"],
    ["/docs/:id{[0-9]+}/*", "/docs/:id/raw", "/docs/abc/raw"],
    ["/docs", "/docs/*", "/docs/readme"],
  ])("guard on %s, route %s: open (%s answers without a key)", async (pattern, route, missed) => {
    const app = new Hono();
    app.use(pattern, guard());
    app.get(route, ok);
    const [row] = auditRoutes(app);
    expect(row).toMatchObject({ method: "GET", path: route, access: "open" });
    expect((await app.request(missed)).status).toBe(200);
  });

  it("says why in a note when the guard's path matches the route's", () => {
    const app = new Hono();
    app.use("/docs/:id{[0-9]+}", guard());
    app.get("/docs/:id", ok);
    expect(auditRoutes(app)[0]?.note).toBe(
      "a guard on /docs/:id{[0-9]+} matches this path but not every request it answers",
    );
  });

  it("keeps key where the guard's pattern covers every request: prefix wildcard, same text, a bare parameter", async () => {
    const app = new Hono();
    app.use("/api/*", guard());
    app.get("/api/docs/:id?", ok);
    app.use("/v/:id{[0-9]+}", guard());
    app.get("/v/:id{[0-9]+}", ok);
    app.use("/u/:user/*", guard());
    app.get("/u/me/keys", ok);
    const rows = auditRoutes(app);
    expect(rows.map((row) => `${row.path} ${row.access}`)).toEqual([
      "/api/docs/:id? key",
      "/u/me/keys key",
      "/v/:id{[0-9]+} key",
    ]);
    for (const path of ["/api/docs", "/api/docs/1", "/u/me/keys", "/v/7"])
      expect(`${path} ${(await app.request(path)).status}`).toBe(`${path} 401`);
  });
});

describe("auditRoutes(app) on Hono: middleware that answer requests are rows", () => {
  function build() {
    const app = new Hono();
    app.use("*", async (_c, next) => next()); // app-wide (a logger): not listed
    app.use("/maintenance/*", async (c, _next) => c.text("down for maintenance", 503));
    const legacy = new Hono();
    legacy.get("/old", ok);
    app.mount("/legacy", legacy.fetch);
    app.get("/guarded", guard(), async (_c, next) => next(), ok); // route-level middleware: part of the route
    app.use("/private/*", guard());
    app.use("/private/*", async (c, _next) => c.text("private"));
    return app;
  }

  it("lists path-registered middleware and mounted apps, open unless a guard runs first", async () => {
    const app = build();
    const rows = auditRoutes(app);
    expect(rows).toEqual([
      { method: "GET", path: "/guarded", access: "key" },
      { method: "ALL", path: "/legacy/*", access: "open", kind: "middleware" },
      { method: "ALL", path: "/maintenance/*", access: "open", kind: "middleware" },
      { method: "ALL", path: "/private/*", access: "key", kind: "middleware" },
    ]);
    const paths: Record<string, string> = {
      "/guarded": "/guarded",
      "/legacy/*": "/legacy/old",
      "/maintenance/*": "/maintenance/x",
      "/private/*": "/private/x",
    };
    for (const row of rows) {
      const got = await status(app, row, paths[row.path] as string);
      expect(`${row.path} ${got === 401 ? "refused" : "answered"}`).toBe(
        `${row.path} ${row.access === "key" ? "refused" : "answered"}`,
      );
    }
  });

  it("refuses them in assertNoOpenRoutes until guarded or listed as public", () => {
    expect(() => assertNoOpenRoutes(build())).toThrow(
      /2 routes answer requests without an API key: ALL \/legacy\/\* \(middleware\), ALL \/maintenance\/\* \(middleware\)/,
    );
    expect(
      assertNoOpenRoutes(build(), { public: ["ALL /legacy/*", "ALL /maintenance/*"] }),
    ).toHaveLength(4);
  });
});
