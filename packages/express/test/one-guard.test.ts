import { createRequire } from "node:module";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import express5, { type Request, type Response } from "express";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { requirePermissions, unkey } from "../src/index";

// Unkey deducts a key's credits on every verification (cost 1 unless a route says
// otherwise), so two guards verifying one request would charge it twice. Against the
// emulator: a key with 10 credits must have 9 after one request, never 8.
const express4 = createRequire(import.meta.url)("express4") as typeof express5;

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "express" }));
  await emulator.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
});
afterAll(() => emulator.stop());
afterEach(() => {
  vi.restoreAllMocks();
});

/** A key with 10 credits and `docs.read`. */
async function creditKey() {
  const created = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
    apiId,
    permissions: ["docs.read"],
    credits: { remaining: 10 },
  });
  const remaining = async () =>
    (
      await emulator.call<{ credits: { remaining: number } }>("keys.getKey", {
        keyId: created.keyId,
      })
    ).credits.remaining;
  return { ...created, remaining };
}

const verifications = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const connection = () => ({ rootKey: emulator.rootKey, baseUrl: emulator.url });
const ok = (req: Request, res: Response) => void res.json({ keyId: req.unkey?.keyId ?? null });

describe.each([
  ["express 5", express5],
  ["express 4", express4],
] as const)("one guard per request on %s", (_name, express) => {
  it("app-wide unkey() then a route's unkey({ verifier, cost }): 500 GUARDED_TWICE naming both, charged once (10 → 9, never 8)", async () => {
    const { key, remaining } = await creditKey();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = express();
    const auth = unkey(connection());
    app.use(auth);
    app.post("/search", unkey({ verifier: auth.verifier, cost: 1 }), ok);
    const before = verifications();
    const res = await request(app).post("/search?q=1").set("Authorization", `Bearer ${key}`);
    expect(res.status).toBe(500);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 500, code: "GUARDED_TWICE" });
    expect(res.body.detail).toContain("verified by unkey(), then reached unkey({ cost: 1 })");
    expect(res.body.detail).toContain("declare it before app.use(unkey())");
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
    await request(app).post("/search").set("Authorization", `Bearer ${key}`);
    // One log line for the server's mistake, with the route (no query) and both guards.
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).toMatch(/POST \/search: .*unkey\(\).*unkey\(\{ cost: 1 \}\).*GUARDED_TWICE/);
    expect(line).not.toContain(key);
  });

  it("a route's unkey({ verifier, permissions }) under an app-wide unkey() checks locally: one verification, one credit", async () => {
    const { key, remaining } = await creditKey();
    const app = express();
    const auth = unkey(connection());
    app.use(auth);
    app.get("/read", unkey({ verifier: auth.verifier, permissions: "docs.read" }), ok);
    app.get("/admin", unkey({ verifier: auth.verifier, permissions: "admin" }), ok);
    const before = verifications();
    const read = await request(app).get("/read").set("Authorization", `Bearer ${key}`);
    expect(read.status).toBe(200);
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
    const admin = await request(app).get("/admin").set("Authorization", `Bearer ${key}`);
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(verifications() - before).toBe(2);
    expect(await remaining()).toBe(8);
  });

  it("the README's way to a cost under an app-wide guard: the route declared before app.use(auth) is charged once", async () => {
    const { key, keyId, remaining } = await creditKey();
    const app = express();
    const auth = unkey(connection());
    app.post("/search", unkey({ verifier: auth.verifier, cost: 1 }), ok);
    app.use(auth);
    app.get("/docs", requirePermissions("docs.read"), ok);
    const search = await request(app).post("/search").set("Authorization", `Bearer ${key}`);
    expect(search.status).toBe(200);
    expect(search.body).toEqual({ keyId });
    expect(await remaining()).toBe(9);
    expect((await request(app).get("/docs").set("x-api-key", key)).status).toBe(200);
    expect(await remaining()).toBe(8);
  });

  it("or the app-wide guard skips the route, whose own unkey({ verifier, cost }) charges it once", async () => {
    const { key, remaining } = await creditKey();
    const app = express();
    const auth = unkey({ ...connection(), skip: (req) => req.path === "/search" });
    app.use(auth);
    app.post("/search", unkey({ verifier: auth.verifier, cost: 1 }), ok);
    const before = verifications();
    expect((await request(app).post("/search").set("x-api-key", key)).status).toBe(200);
    expect(verifications() - before).toBe(1);
    expect(await remaining()).toBe(9);
  });
});
