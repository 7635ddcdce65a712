import { KeyguardConfigError } from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keyguard } from "../src/index";

// Fastify runs a plugin's hooks in its own scope only: a route that asks for a key in
// config.unkey but lives outside every scope keyguard was registered in must never be
// served to anyone.
const KEYS = { sk_admin: { keyId: "key_admin", permissions: ["admin"] } };
const asksForAdmin = { config: { unkey: { permissions: "admin" } } };

let app: FastifyInstance | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
  app = undefined;
});

/** An encapsulated `/api` scope that registers keyguard and guards its own routes. */
function apiScope(upstream = fakeUnkey(KEYS)): FastifyPluginAsync {
  return async (api) => {
    await api.register(keyguard, { rootKey: "unkey_root_test", fetch: upstream.fetch });
    api.get("/docs", asksForAdmin, (request) => ({ keyId: request.unkey?.keyId }));
    api.register(async (nested) => {
      nested.get("/nested", asksForAdmin, () => "nested");
    });
  };
}

async function readyError(build: (app: FastifyInstance) => void | Promise<void>) {
  app = Fastify();
  await build(app);
  return app.ready().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("a route that asks for a key where no keyguard plugin runs", () => {
  it("ready() fails naming a sibling scope's route (method and URL)", async () => {
    const error = await readyError((app) => {
      app.register(apiScope(), { prefix: "/api" });
      app.register(async (admin) => admin.get("/users", asksForAdmin, () => "open"), {
        prefix: "/admin",
      });
    });
    expect(error).toBeInstanceOf(KeyguardConfigError);
    expect(error).toMatchObject({ option: "route GET /admin/users: config.unkey" });
    expect(String((error as Error).message)).toMatch(/no keyguard plugin guards this route/);
  });

  it("ready() fails naming a root route registered after the scope that holds keyguard", async () => {
    const error = await readyError(async (app) => {
      await app.register(apiScope(), { prefix: "/api" });
      app.delete("/admin", asksForAdmin, () => "open");
    });
    expect(error).toMatchObject({
      name: "KeyguardConfigError",
      option: "route DELETE /admin: config.unkey",
    });
  });

  it("declared before keyguard loaded, out of ready()'s sight: 500 GUARD_MISSING, logged once, never served", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const handled = vi.fn(() => "open");
    app = Fastify();
    app.register(apiScope(), { prefix: "/api" });
    app.get("/admin", asksForAdmin, handled); // registered at once; the scope loads at ready()
    await app.ready();
    const first = await app.inject({ url: "/admin?api_key=sk_admin" });
    await app.inject({ url: "/admin", headers: { authorization: "Bearer sk_admin" } });
    expect(first.statusCode).toBe(500);
    expect(first.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(first.json()).toMatchObject({ status: 500, code: "GUARD_MISSING" });
    expect(handled).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toMatch(/GET \/admin: config.unkey .*Register keyguard/);
    expect(String(log.mock.calls[0]?.[0])).not.toContain("sk_admin");
  });

  it("leaves alone what keyguard guards, public routes and routes that ask nothing", async () => {
    const upstream = fakeUnkey(KEYS);
    const error = await readyError(async (app) => {
      app.get("/health", () => "ok");
      await app.register(apiScope(upstream), { prefix: "/api" });
      app.get("/status", { config: { unkey: { public: true } } }, () => "up");
    });
    expect(error).toBeUndefined();
    const instance = app as FastifyInstance;
    expect((await instance.inject({ url: "/health" })).statusCode).toBe(200);
    expect((await instance.inject({ url: "/status" })).statusCode).toBe(200);
    expect((await instance.inject({ url: "/api/docs" })).statusCode).toBe(401);
    expect((await instance.inject({ url: "/api/nested" })).statusCode).toBe(401);
    const bearer = { authorization: "Bearer sk_admin" };
    expect((await instance.inject({ url: "/api/nested", headers: bearer })).statusCode).toBe(200);
  });

  it("registered at the root, keyguard guards the scopes created before it loaded too", async () => {
    const upstream = fakeUnkey(KEYS);
    const error = await readyError((app) => {
      app.register(async (early) => early.get("/early", asksForAdmin, () => "early"));
      app.register(keyguard, { rootKey: "unkey_root_test", fetch: upstream.fetch });
    });
    expect(error).toBeUndefined();
    expect((await (app as FastifyInstance).inject({ url: "/early" })).statusCode).toBe(401);
  });
});
