import { type Emulator, startEmulator } from "@keyguard/emulator";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyguard } from "../src/index";

// The same plugin against @keyguard/emulator over real HTTP on both sides.
describe("@keyguard/fastify against the emulator", () => {
  let emulator: Emulator;
  let app: FastifyInstance;
  let url: string;
  const keys = { reader: "", metered: "" };
  const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;

  beforeAll(async () => {
    emulator = await startEmulator();
    const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "fastify" });
    await emulator.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
    keys.reader = (
      await emulator.call<{ key: string }>("keys.createKey", { apiId, permissions: ["docs.read"] })
    ).key;
    keys.metered = (
      await emulator.call<{ key: string }>("keys.createKey", { apiId, credits: { remaining: 1 } })
    ).key;
    app = Fastify();
    await app.register(keyguard, { rootKey: emulator.rootKey, baseUrl: emulator.url });
    app.get("/read", { config: { unkey: { permissions: "docs.read" } } }, (r) => r.unkey);
    app.get("/write", { config: { unkey: { permissions: "docs.write" } } }, (r) => r.unkey);
    app.get("/metered", { config: { unkey: { cost: 1 } } }, (r) => r.unkey);
    url = await app.listen({ port: 0, host: "127.0.0.1" });
    emulator.resetStats();
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it("verifies once, then serves other routes of the same key from the cache", async () => {
    const headers = { authorization: `Bearer ${keys.reader}` };
    const first = await fetch(`${url}/read`, { headers });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ permissions: ["docs.read"], source: "upstream" });
    const denied = await fetch(`${url}/write`, { headers });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { code: string }).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(verifyCalls()).toBe(1);
  });

  it("sends metered requests upstream every time and 429s once credits are gone", async () => {
    emulator.resetStats();
    const headers = { "x-api-key": keys.metered };
    expect((await fetch(`${url}/metered`, { headers })).status).toBe(200);
    const spent = await fetch(`${url}/metered`, { headers });
    expect(spent.status).toBe(429);
    expect(((await spent.json()) as { code: string }).code).toBe("USAGE_EXCEEDED");
    expect(verifyCalls()).toBe(2);
  });

  it("answers 503 with Retry-After when the emulator fails", async () => {
    emulator.setFault({ status: 503 });
    try {
      const response = await fetch(`${url}/read`, { headers: { "x-api-key": "sk_unseen" } });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).not.toBeNull();
    } finally {
      emulator.setFault(null);
    }
  });
});
