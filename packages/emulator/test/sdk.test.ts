import { Unkey } from "@unkey/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";

let emulator: Emulator;
let unkey: Unkey;

beforeAll(async () => {
  emulator = await startEmulator();
  unkey = new Unkey({
    rootKey: emulator.rootKey,
    serverURL: emulator.url,
    retryConfig: { strategy: "none" },
  });
});
afterAll(async () => {
  await emulator.stop();
});

describe("official SDK against the emulator", () => {
  it("create → verify → disable → verify → delete → verify", async () => {
    const api = await unkey.apis.createApi({ name: "sdk-flow" });
    const apiId = api.data.apiId;
    await unkey.permissions.createPermission({ name: "docs.read", slug: "docs.read" });
    const role = await unkey.permissions.createRole({ name: "sdk-reader", description: "reads" });
    await unkey.permissions.setRolePermissions({
      roleId: role.data.roleId,
      permissions: ["docs.read"],
    });
    const created = await unkey.keys.createKey({
      apiId,
      prefix: "sdk",
      roles: ["sdk-reader"],
      credits: { remaining: 1 },
      ratelimits: [{ name: "rps", limit: 10, duration: 1000, autoApply: true }],
      externalId: "sdk-user",
    });
    const { key, keyId } = created.data;

    const ok = await unkey.keys.verifyKey({ key, permissions: "docs.read OR admin" });
    expect(ok.data).toMatchObject({
      valid: true,
      code: "VALID",
      keyId,
      credits: 0,
      roles: ["sdk-reader"],
    });
    expect(ok.data.ratelimits?.[0]).toMatchObject({
      name: "rps",
      autoApply: true,
      exceeded: false,
    });
    expect(ok.data.identity?.externalId).toBe("sdk-user");

    expect((await unkey.keys.verifyKey({ key })).data.code).toBe("USAGE_EXCEEDED");
    await unkey.keys.updateCredits({ keyId, operation: "set", value: 10 });
    expect((await unkey.keys.verifyKey({ key, permissions: "admin" })).data.code).toBe(
      "INSUFFICIENT_PERMISSIONS",
    );

    await unkey.keys.updateKey({ keyId, enabled: false });
    expect((await unkey.keys.verifyKey({ key })).data).toMatchObject({
      valid: false,
      code: "DISABLED",
    });
    await unkey.keys.updateKey({ keyId, enabled: true, expires: Date.now() - 1 });
    expect((await unkey.keys.verifyKey({ key })).data.code).toBe("EXPIRED");

    const got = await unkey.keys.getKey({ keyId });
    expect(got.data).toMatchObject({ keyId, enabled: true, roles: ["sdk-reader"] });
    const listed = await unkey.apis.listKeys({ apiId });
    expect(listed.result.data.map((k) => k.keyId)).toEqual([keyId]);

    await unkey.keys.addPermissions({ keyId, permissions: ["extra"] });
    await unkey.keys.setRoles({ keyId, roles: [] });
    const who = await unkey.keys.whoami({ key });
    expect(who.data.permissions).toEqual(["extra"]);

    await unkey.keys.deleteKey({ keyId });
    expect((await unkey.keys.verifyKey({ key })).data).toEqual({ valid: false, code: "NOT_FOUND" });

    await unkey.apis.getApi({ apiId });
    await unkey.apis.deleteApi({ apiId });
  });

  it("rate limits, identities, roles listing and errors through the SDK", async () => {
    const { data } = await unkey.apis.createApi({ name: "sdk-rl" });
    const { data: k } = await unkey.keys.createKey({
      apiId: data.apiId,
      ratelimits: [{ name: "burst", limit: 1, duration: 60_000, autoApply: true }],
    });
    expect((await unkey.keys.verifyKey({ key: k.key })).data.code).toBe("VALID");
    const limited = await unkey.keys.verifyKey({ key: k.key });
    expect(limited.data.code).toBe("RATE_LIMITED");
    expect(limited.data.ratelimits?.[0]?.reset).toBeGreaterThan(Date.now());

    await unkey.identities.createIdentity({ externalId: "sdk-identity" });
    expect((await unkey.identities.getIdentity({ identity: "sdk-identity" })).data.externalId).toBe(
      "sdk-identity",
    );
    const roles = await unkey.permissions.listRoles({});
    expect(roles.result.data.length).toBeGreaterThan(0);
    const perms = await unkey.permissions.listPermissions({});
    expect(perms.result.data.length).toBeGreaterThan(0);
    expect(
      (await unkey.ratelimit.limit({ namespace: "s", identifier: "i", limit: 1, duration: 1000 }))
        .data.success,
    ).toBe(true);

    await expect(unkey.keys.verifyKey({ key: k.key, permissions: "a AND" })).rejects.toMatchObject({
      statusCode: 400,
    });
    const bad = new Unkey({
      rootKey: "unkey_root_wrong",
      serverURL: emulator.url,
      retryConfig: { strategy: "none" },
    });
    await expect(bad.keys.verifyKey({ key: k.key })).rejects.toMatchObject({ statusCode: 401 });
  });
});
