import "reflect-metadata";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedApp, type Platform } from "./app";

// The module, guard and decorators against @keyguard/emulator over real HTTP, on both platforms.
describe.each<Platform>(["express", "fastify"])(
  "@keyguard/nestjs on %s against the emulator",
  (platform) => {
    let emulator: Emulator;
    let running: Awaited<ReturnType<typeof guardedApp>>;
    let reader = "";
    const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;

    beforeAll(async () => {
      emulator = await startEmulator();
      const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "nest" });
      await emulator.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
      reader = (
        await emulator.call<{ key: string }>("keys.createKey", {
          apiId,
          permissions: ["docs.read"],
        })
      ).key;
      running = await guardedApp(platform, { rootKey: emulator.rootKey, baseUrl: emulator.url });
      emulator.resetStats();
    });
    afterAll(async () => {
      await running?.app.close();
      await emulator?.stop();
    });

    it("verifies once; class metadata allows GET, method metadata refuses POST from the cache", async () => {
      const headers = { authorization: `Bearer ${reader}` };
      const list = await fetch(`${running.url}/docs`, { headers });
      expect(list.status).toBe(200);
      expect(await list.json()).toMatchObject({ route: "list", unkey: { source: "upstream" } });
      const create = await fetch(`${running.url}/docs`, { method: "POST", headers });
      expect(create.status).toBe(403);
      expect(create.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(verifyCalls()).toBe(1);
    });

    it("refuses an unknown key with 401 NOT_FOUND and an invalid_token challenge", async () => {
      const response = await fetch(`${running.url}/me`, { headers: { "x-api-key": "sk_nope" } });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        'Bearer realm="api", error="invalid_token"',
      );
      expect(((await response.json()) as { code: string }).code).toBe("NOT_FOUND");
    });
  },
);
