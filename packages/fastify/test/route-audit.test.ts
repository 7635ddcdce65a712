import { type Emulator, startEmulator } from "@keyguard/emulator";
import { configErrorOf } from "@keyguard/test-support";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  assertNoOpenRoutes,
  auditRoutes,
  identify,
  KeyguardSetupError,
  keyguard,
  keyguardRatelimit,
} from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const ok = () => ({ ok: true });
const connection = () => ({ rootKey: emulator.rootKey, baseUrl: emulator.url });

/** keyguard in an `/api` scope only; a rate limit alone on `/login`; routes outside both. */
async function build() {
  app = Fastify();
  await app.register(
    async (api) => {
      await api.register(keyguard, connection());
      api.get("/docs", { config: { unkey: { permissions: "docs.read" } } }, ok);
      api.post("/search", { config: { unkey: { cost: 5 } } }, ok);
      api.get("/health", { config: { unkey: { public: true } } }, ok);
    },
    { prefix: "/api" },
  );
  await app.register(async (auth) => {
    await auth.register(keyguardRatelimit, {
      ...connection(),
      namespace: "fastify.audit.login",
      limit: 100,
      duration: 60_000,
      identifier: identify.ip(),
    });
    auth.post("/login", ok);
  });
  app.get("/status", ok);
  app.all("/hook", ok);
  await app.ready();
  return app;
}

describe("auditRoutes(app) on Fastify", () => {
  it("lists each route once per method (Fastify's own HEAD aside), with what guards it", async () => {
    expect(auditRoutes(await build())).toEqual([
      { method: "GET", path: "/api/docs", access: "key", permissions: "docs.read" },
      { method: "GET", path: "/api/health", access: "public" },
      { method: "POST", path: "/api/search", access: "key", cost: 5 },
      { method: "ALL", path: "/hook", access: "open" },
      { method: "POST", path: "/login", access: "open" },
      { method: "GET", path: "/status", access: "open" },
    ]);
  });

  it("agrees with what a request without a key gets: 401 exactly on the key routes", async () => {
    const ready = await build();
    for (const row of auditRoutes(ready)) {
      const method = row.method === "ALL" ? "GET" : (row.method as "GET");
      const response = await ready.inject({ method, url: row.path });
      expect(`${row.method} ${row.path} ${response.statusCode}`).toBe(
        `${row.method} ${row.path} ${row.access === "key" ? 401 : 200}`,
      );
    }
  });

  it("refuses before ready(), when the rows would miss routes and guards", async () => {
    app = Fastify();
    await app.register(keyguard, connection());
    app.get("/docs", ok);
    expect(() => auditRoutes(app as FastifyInstance)).toThrow(KeyguardSetupError);
    expect(() => auditRoutes(app as FastifyInstance)).toThrow(/after `await app.ready\(\)`/);
    await app.ready();
    expect(auditRoutes(app)).toEqual([{ method: "GET", path: "/docs", access: "key" }]);
  });

  it("refuses an app that declared routes before the first keyguard plugin loaded, naming them", async () => {
    app = Fastify();
    app.get("/early", ok);
    await app.register(keyguard, connection());
    await app.ready();
    expect(() => auditRoutes(app as FastifyInstance)).toThrow(KeyguardSetupError);
    expect(() => auditRoutes(app as FastifyInstance)).toThrow(/early \(GET, HEAD\)/);
  });

  it("decorate-only: key where verifyUnkey is the route's first onRequest hook, open elsewhere", async () => {
    app = Fastify();
    await app.register(keyguard, { ...connection(), addHook: false });
    const instance = app;
    app.get("/mine", { onRequest: instance.verifyUnkey }, ok);
    app.get("/asks", { config: { unkey: { permissions: "docs.read" } } }, ok);
    app.get("/plain", ok);
    await app.ready();
    expect(auditRoutes(app)).toEqual([
      {
        method: "GET",
        path: "/asks",
        access: "open",
        note: "asks for a key (config.unkey) but app.verifyUnkey is not its first onRequest hook: misconfigured, a hook or handler before it may answer without a key",
      },
      { method: "GET", path: "/mine", access: "key" },
      { method: "GET", path: "/plain", access: "open" },
    ]);
  });
});

describe("assertNoOpenRoutes(app) on Fastify", () => {
  it("throws a KeyguardConfigError naming every open route and how to mark one public", async () => {
    const ready = await build();
    const error = configErrorOf(() => assertNoOpenRoutes(ready));
    expect(error.message).toContain(
      "3 routes answer requests without an API key: ALL /hook, POST /login, GET /status.",
    );
    expect(error.message).toContain("`config: { unkey: { public: true } }`");
  });

  it("passes once the open routes are marked public", async () => {
    const rows = assertNoOpenRoutes(await build(), {
      public: ["ALL /hook", "POST /login", "GET /status"],
    });
    expect(rows.map((row) => row.access)).toEqual([
      "key",
      "public",
      "key",
      "public",
      "public",
      "public",
    ]);
  });

  it("refuses a public entry that names no route", async () => {
    const ready = await build();
    const error = configErrorOf(() => assertNoOpenRoutes(ready, { public: ["GET /hook"] }));
    expect(error.message).toContain('"GET /hook" (did you mean "ALL /hook"?)');
  });
});
