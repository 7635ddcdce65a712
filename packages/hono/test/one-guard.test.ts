import { type Emulator, startEmulator } from "@keyguard/emulator";
import { type Context, Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { requirePermissions, unkey } from "../src/index";

// Unkey deducts a key's credits on every verification (cost 1 unless a route says
// otherwise), so two guards verifying one request would charge it twice. Against the
// emulator: a key with 10 credits must have 9 after one request, never 8.
let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "hono" }));
  await emulator.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
});
afterAll(() => emulator.stop());
afterEach(() => {
  vi.restoreAllMocks();
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
  return { key, keyId, remaining, headers: { authorization: `Bearer ${key}` } };
}

const verifications = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const connection = () => ({ rootKey: emulator.rootKey, baseUrl: emulator.url });
const ok = (c: Context) => c.json({ keyId: c.var.unkey?.keyId ?? null });

describe("one guard per request", () => {
  it("app-wide unkey() then a route's unkey({ verifier, cost }): 500 GUARDED_TWICE naming both, charged once (10 → 9, never 8)", async () => {
    const { key, remaining, headers } = await creditKey();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = new Hono();
    const auth = unkey(connection());
    app.use(auth);
    app.post("/search", unkey({ verifier: auth.verifier, cost: 1 }), ok);
    const before = verifications();
    const res = await app.request("/search?q=1", { method: "POST", headers });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const body = await res.json();
    expect(body).toMatchObject({ status: 500, code: "GUARDED_TWICE" });
    expect(body.detail).toContain("verified by unkey(), then reached unkey({ cost: 1 })");
    expect(body.detail).toContain("register it before app.use(unkey())");
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
    await app.request("/search", { method: "POST", headers });
    // One log line for the server's mistake, with the route (no query) and both guards.
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).toMatch(/POST \/search: .*unkey\(\).*unkey\(\{ cost: 1 \}\).*GUARDED_TWICE/);
    expect(line).not.toContain(key);
  });

  it("a route's unkey({ verifier, permissions }) under an app-wide unkey() checks locally: one verification, one credit", async () => {
    const { remaining, headers } = await creditKey();
    const app = new Hono();
    const auth = unkey(connection());
    app.use(auth);
    app.get("/read", unkey({ verifier: auth.verifier, permissions: "docs.read" }), ok);
    app.get("/admin", unkey({ verifier: auth.verifier, permissions: "admin" }), ok);
    const before = verifications();
    expect((await app.request("/read", { headers })).status).toBe(200);
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
    const admin = await app.request("/admin", { headers });
    expect(admin.status).toBe(403);
    expect((await admin.json()).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(verifications() - before).toBe(2);
    expect(await remaining()).toBe(8);
  });

  it("the README's way to a cost under an app-wide guard: the route registered before app.use(auth) is charged once", async () => {
    const { keyId, remaining, headers } = await creditKey();
    const app = new Hono();
    const auth = unkey(connection());
    app.post("/search", unkey({ verifier: auth.verifier, cost: 1 }), ok);
    app.use(auth);
    app.get("/docs", requirePermissions("docs.read"), ok);
    const search = await app.request("/search", { method: "POST", headers });
    expect(search.status).toBe(200);
    expect(await search.json()).toEqual({ keyId });
    expect(await remaining()).toBe(9);
    expect((await app.request("/docs", { headers })).status).toBe(200);
    expect(await remaining()).toBe(8);
  });

  it("or the app-wide guard skips the route, whose own unkey({ verifier, cost }) charges it once", async () => {
    const { remaining, headers } = await creditKey();
    const app = new Hono();
    const auth = unkey({ ...connection(), skip: (c) => c.req.path === "/search" });
    app.use(auth);
    app.post("/search", unkey({ verifier: auth.verifier, cost: 1 }), ok);
    const before = verifications();
    expect((await app.request("/search", { method: "POST", headers })).status).toBe(200);
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
  });
});
