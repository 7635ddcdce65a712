import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ASSET_FILES, loadAssets } from "../src/console/assets";
import { type Emulator, startEmulator } from "../src/index";
import { consoleAction, consoleRequest, signIn } from "./console-helpers";
import { post } from "./helpers";

// What the browser fetches to show the console, before any data: the page, its stylesheet
// and its script. Under this, a load from the emulator on loopback is a few milliseconds.
const PAGE_BUDGET_BYTES = 40 * 1024;

describe("the console's page", () => {
  it(`page, stylesheet and script stay under ${PAGE_BUDGET_BYTES} bytes`, () => {
    const assets = loadAssets();
    expect(assets).toBeDefined();
    const bytes = [...(assets?.values() ?? [])].reduce((sum, asset) => sum + asset.body.length, 0);
    expect(assets?.size).toBe(Object.keys(ASSET_FILES).length);
    expect(bytes).toBeLessThan(PAGE_BUDGET_BYTES);
  });

  it("loads nothing from another origin and runs no inline script", () => {
    for (const asset of loadAssets()?.values() ?? []) {
      const text = asset.body.toString();
      expect(text).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i);
      expect(text).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
      expect(text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(text).not.toMatch(/\son[a-z]+=/i);
    }
  });
});

describe("console actions run the v2 handlers", () => {
  let emulator: Emulator;
  let cookie: string;
  let apiId: string;

  beforeEach(async () => {
    emulator = await startEmulator();
    ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "actions" }));
    cookie = await signIn(emulator);
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const workspace = async () =>
    (await consoleRequest(emulator, { path: "/console/api/workspace", headers: { cookie } })).body;

  it("creates a key with permissions, shows its plaintext once and never again", async () => {
    const created = await consoleAction(emulator, cookie, "keys.createKey", {
      apiId,
      name: "from the console",
      prefix: "con",
      permissions: ["docs.read"],
      credits: { remaining: 2 },
    });
    expect(created.status).toBe(200);
    const { key, keyId } = created.body.data;
    expect(key).toMatch(/^con_/);
    const verified = await post(emulator, "keys.verifyKey", { key, permissions: "docs.read" });
    expect(verified.body.data).toMatchObject({ valid: true, keyId, credits: 1 });
    const view = await consoleRequest(emulator, {
      path: "/console/api/workspace",
      headers: { cookie },
    });
    expect(view.text).not.toContain(key);
    expect(view.body.keys).toEqual([
      expect.objectContaining({
        keyId,
        name: "from the console",
        start: key.slice(0, 8),
        permissions: ["docs.read"],
        credits: { remaining: 1 },
      }),
    ]);
  });

  it("adds credits and deletes a key", async () => {
    const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
      credits: { remaining: 0 },
    });
    expect((await post(emulator, "keys.verifyKey", { key })).body.data.code).toBe("USAGE_EXCEEDED");
    const credited = await consoleAction(emulator, cookie, "keys.updateCredits", {
      keyId,
      operation: "increment",
      value: 5,
    });
    expect(credited.body.data).toEqual({ remaining: 5 });
    expect((await post(emulator, "keys.verifyKey", { key })).body.data).toMatchObject({
      code: "VALID",
      credits: 4,
    });
    expect((await consoleAction(emulator, cookie, "keys.deleteKey", { keyId })).status).toBe(200);
    expect((await post(emulator, "keys.verifyKey", { key })).body.data.code).toBe("NOT_FOUND");
    expect((await workspace()).keys).toEqual([]);
  });

  it("answers a bad body as the API does, and offers no other operation", async () => {
    const bad = await consoleAction(emulator, cookie, "keys.updateKey", {
      keyId: "key_x",
      bogus: 1,
    });
    const api = await post(emulator, "keys.updateKey", { keyId: "key_x", bogus: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual(api.body.error);
    const other = await consoleAction(emulator, cookie, "apis.deleteApi", { apiId });
    expect(other.status).toBe(404);
    expect(await emulator.call("apis.getApi", { apiId })).toMatchObject({ id: apiId });
  });

  it("shows each rate limit's current window without counting in it", async () => {
    const { key } = await emulator.call<{ key: string }>("keys.createKey", {
      apiId,
      ratelimits: [{ name: "requests", limit: 3, duration: 60_000, autoApply: true }],
    });
    await post(emulator, "keys.verifyKey", { key });
    for (let i = 0; i < 3; i++) {
      const [limit] = (await workspace()).keys[0].limits;
      expect(limit).toMatchObject({ name: "requests", limit: 3, from: "key", remaining: 2 });
    }
    expect(
      (await post(emulator, "keys.verifyKey", { key })).body.data.ratelimits[0].remaining,
    ).toBe(1);
  });
});
