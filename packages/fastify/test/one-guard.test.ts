import { type Emulator, startEmulator } from "@keyguard/emulator";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createVerifier, keyguard, UnkeyDeniedError } from "../src/index";

// keyguard registered at the root and again in a scope: both hooks run on that scope's
// routes. Unkey deducts a key's credits on every verification, so the second must never
// verify again. Against the emulator: a key with 10 credits has 9 after one request, never 8.
let emulator: Emulator;
let apiId: string;
let app: FastifyInstance | undefined;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "fastify" }));
  await emulator.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
});
afterAll(() => emulator.stop());
afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
  app = undefined;
});

/** A key with 10 credits and `docs.read`. */
async function creditKey() {
  const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
    apiId,
    permissions: ["docs.read"],
    credits: { remaining: 10 },
  });
  const remaining = async () =>
    (await emulator.call<{ credits: { remaining: number } }>("keys.getKey", { keyId })).credits
      .remaining;
  return { key, remaining, headers: { authorization: `Bearer ${key}` } };
}

const verifications = () => emulator.stats().calls["keys.verifyKey"] ?? 0;

/** keyguard at the root, and again in `/api`, whose routes ask what `routes` says. */
async function nested(routes: Record<string, object>) {
  const connection = { rootKey: emulator.rootKey, baseUrl: emulator.url };
  app = Fastify();
  await app.register(keyguard, connection);
  await app.register(
    async (api) => {
      await api.register(keyguard, connection);
      for (const [path, unkey] of Object.entries(routes))
        api.get(path, { config: { unkey } }, (request) => ({ keyId: request.unkey?.keyId }));
    },
    { prefix: "/api" },
  );
  await app.ready();
  return app;
}

describe("two keyguard plugins on one route", () => {
  it("a metered route: 500 GUARDED_TWICE naming both plugins, the key charged once (10 → 9, never 8)", async () => {
    const { key, remaining, headers } = await creditKey();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = await nested({ "/search": { cost: 1 } });
    const before = verifications();
    const res = await app.inject({ url: "/api/search?q=1", headers });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ status: 500, code: "GUARDED_TWICE" });
    expect(res.json().detail).toContain(
      'verified by the keyguard plugin registered at the root, then reached the keyguard plugin registered in the scope "/api"',
    );
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
    await app.inject({ url: "/api/search", headers });
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).toMatch(/GET \/api\/search: .*cost: 1.*GUARDED_TWICE/);
    expect(line).not.toContain(key);
  });

  it("a route that only asks for permissions: checked locally, one verification, one credit", async () => {
    const { remaining, headers } = await creditKey();
    const app = await nested({
      "/read": { permissions: "docs.read" },
      "/admin": { permissions: "admin" },
    });
    const before = verifications();
    expect((await app.inject({ url: "/api/read", headers })).statusCode).toBe(200);
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
    const admin = await app.inject({ url: "/api/admin", headers });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(verifications() - before).toBe(2);
    // The outer plugin verified with the route's query: Unkey refuses before it deducts.
    expect(await remaining()).toBe(9);
  });
});

/**
 * The Fastify form of Express's app-wide `unkey()` plus a route's `unkey({ verifier, cost })`:
 * keyguard app-wide at the root, and a route that opts into a second, decorate-only
 * registration (in an unprefixed scope) with a cost of its own, through `verifyUnkey`.
 */
async function routeGuard() {
  const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url });
  app = Fastify();
  // Decorate-only denials are thrown; the README's error handler answers them as problem+json.
  app.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof UnkeyDeniedError)) throw error;
    const { status, headers, body } = error.decision;
    return reply.code(status).headers(headers).send(body);
  });
  await app.register(keyguard, { verifier });
  await app.register(async (scope) => {
    await scope.register(keyguard, { verifier, cost: 1, addHook: false });
    scope.get("/search", { onRequest: scope.verifyUnkey }, (request) => ({
      keyId: request.unkey?.keyId,
    }));
  });
  await app.ready();
  return app;
}

describe("the app-wide plugin and a route's own guard with a cost", () => {
  it("500 GUARDED_TWICE naming both guards and the fix, the key charged once (10 → 9, never 8)", async () => {
    const { key, remaining, headers } = await creditKey();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = await routeGuard();
    const before = verifications();
    const res = await app.inject({ url: "/search", headers });
    expect(res.statusCode).toBe(500);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 500, code: "GUARDED_TWICE" });
    // Two unprefixed registrations, named apart: neither is taken for the other.
    expect(res.json().detail).toContain(
      "verified by the keyguard plugin registered at the root, then reached verifyUnkey of the keyguard plugin registered in a nested scope (with { cost: 1 })",
    );
    expect(res.json().detail).toContain("config.unkey");
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
    await app.inject({ url: "/search", headers });
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).toMatch(/GET \/search: .*verifyUnkey of .*GUARDED_TWICE/);
    expect(line).not.toContain(key);
  });

  it("the supported way: the route's cost in its config.unkey, charged once by the app-wide plugin", async () => {
    const { remaining, headers } = await creditKey();
    app = Fastify();
    await app.register(keyguard, { rootKey: emulator.rootKey, baseUrl: emulator.url });
    app.get("/search", { config: { unkey: { cost: 3 } } }, (request) => ({
      keyId: request.unkey?.keyId,
    }));
    await app.ready();
    const before = verifications();
    expect((await app.inject({ url: "/search", headers })).statusCode).toBe(200);
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(7);
  });
});
