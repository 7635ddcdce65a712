import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, EmulatorCallError, startEmulator } from "../src/index";
import { type Json, post } from "./helpers";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

describe("auth", () => {
  it("missing or non-Bearer Authorization is 400, unknown root key 401", async () => {
    const missing = await post(emulator, "apis.createApi", { name: "abc" }, null);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ status: 400, title: "Bad Request" });
    expect(missing.body.meta.requestId).toMatch(/^req_/);
    const basic = await post(emulator, "apis.createApi", { name: "abc" }, "Basic abc");
    expect(basic.status).toBe(400);
    const unknown = await post(
      emulator,
      "keys.verifyKey",
      { key: "abc" },
      "Bearer unkey_root_nope",
    );
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.type).toBe(
      "https://unkey.com/docs/errors/unkey/authentication/key_not_found",
    );
    expect(emulator.rootKey).toMatch(/^unkey_root_[1-9A-HJ-NP-Za-km-z]+$/);
  });
});

describe("validation", () => {
  it("rejects unknown fields, keys over 512 chars, bad types and bad JSON", async () => {
    const unknownField = await post(emulator, "keys.verifyKey", { key: "abc", apiId: "x" });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.errors.length).toBeGreaterThan(0);
    const long = await post(emulator, "keys.verifyKey", { key: "k".repeat(513) });
    expect(long.status).toBe(400);
    expect(long.body.error.errors[0].location).toBe("body.key");
    const badType = await post(emulator, "keys.verifyKey", { key: "abc", credits: { cost: "1" } });
    expect(badType.status).toBe(400);
    expect(badType.body.error.errors[0].location).toBe("body.credits.cost");
    const tooManyTags = await post(emulator, "keys.verifyKey", {
      key: "abc",
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
    });
    expect(tooManyTags.status).toBe(400);
    const notJson = await post(emulator, "keys.verifyKey", "{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.errors[0].location).toBe("body");
  });
});

describe("apis", () => {
  it("create, get, listKeys with pagination and externalId, delete", async () => {
    const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", {
      name: "apis-test",
    });
    expect(await emulator.call("apis.getApi", { apiId })).toEqual({ id: apiId, name: "apis-test" });
    for (let i = 0; i < 3; i++) await emulator.call("keys.createKey", { apiId, name: `k${i}` });
    await emulator.call("keys.createKey", { apiId, externalId: "owner_1" });
    const page1 = await post(emulator, "apis.listKeys", { apiId, limit: 3 });
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(3);
    expect(page1.body.pagination.hasMore).toBe(true);
    const page2 = await post(emulator, "apis.listKeys", {
      apiId,
      cursor: page1.body.pagination.cursor,
    });
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.pagination).toEqual({ hasMore: false });
    const owned = await post(emulator, "apis.listKeys", { apiId, externalId: "owner_1" });
    expect(owned.body.data).toHaveLength(1);
    expect(owned.body.data[0].identity.externalId).toBe("owner_1");
    expect(await emulator.call("apis.deleteApi", { apiId })).toEqual({});
    const gone = await post(emulator, "apis.getApi", { apiId });
    expect(gone.status).toBe(404);
    await expect(emulator.call("apis.listKeys", { apiId })).rejects.toMatchObject({ status: 404 });
  });
});

describe("keys", () => {
  it("getKey, whoami, updateKey, updateCredits, permissions and roles", async () => {
    const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", {
      name: "keys-test",
    });
    await emulator.call("permissions.createRole", { name: "admin", permissions: ["all.read"] });
    const { keyId, key } = await emulator.call<{ keyId: string; key: string }>("keys.createKey", {
      apiId,
      prefix: "live",
      byteLength: 32,
      credits: { remaining: 5 },
    });
    const got = await emulator.call<Json>("keys.getKey", { keyId });
    expect(got).toMatchObject({ keyId, enabled: true, credits: { remaining: 5 } });
    expect(key.startsWith(got.start)).toBe(true);
    expect(got.start).toMatch(/^live_/);
    expect(JSON.stringify(got)).not.toContain(key);
    expect((await emulator.call<Json>("keys.whoami", { key })).keyId).toBe(keyId);
    await expect(emulator.call("keys.whoami", { key: "unknown" })).rejects.toBeInstanceOf(
      EmulatorCallError,
    );
    // A validation error's message says which field failed (new-user review).
    await expect(emulator.call("apis.createApi", { name: "x" })).rejects.toThrow(
      /apis\.createApi answered 400: .+ \(body\.name: .+\)$/,
    );

    await emulator.call("keys.updateKey", {
      keyId,
      name: "renamed",
      meta: { a: 1 },
      credits: null,
    });
    const updated = await emulator.call<Json>("keys.getKey", { keyId });
    expect(updated).toMatchObject({ name: "renamed", meta: { a: 1 } });
    expect(updated.credits).toBeUndefined();
    expect(updated.updatedAt).toBeTypeOf("number");

    expect(
      await emulator.call("keys.updateCredits", { keyId, operation: "set", value: 4 }),
    ).toEqual({
      remaining: 4,
    });
    expect(
      await emulator.call("keys.updateCredits", { keyId, operation: "decrement", value: 10 }),
    ).toEqual({ remaining: 0 });
    expect(
      await emulator.call("keys.updateCredits", { keyId, operation: "increment", value: 2 }),
    ).toEqual({ remaining: 2 });

    const added = await emulator.call<Json[]>("keys.addPermissions", {
      keyId,
      permissions: ["a", "b"],
    });
    expect(added.map((p) => p.slug)).toEqual(["a", "b"]);
    const removed = await emulator.call<Json[]>("keys.removePermissions", {
      keyId,
      permissions: ["a"],
    });
    expect(removed.map((p) => p.slug)).toEqual(["b"]);
    const set = await emulator.call<Json[]>("keys.setPermissions", { keyId, permissions: ["c"] });
    expect(set.map((p) => p.slug)).toEqual(["c"]);

    const roles = await emulator.call<Json[]>("keys.addRoles", { keyId, roles: ["admin"] });
    expect(roles).toEqual([expect.objectContaining({ name: "admin" })]);
    const verified = await post(emulator, "keys.verifyKey", { key, permissions: "all.read AND c" });
    expect(verified.body.data.code).toBe("VALID");
    expect(await emulator.call("keys.removeRoles", { keyId, roles: ["admin"] })).toEqual([]);
    expect(await emulator.call<Json[]>("keys.setRoles", { keyId, roles: ["admin"] })).toHaveLength(
      1,
    );
    await expect(emulator.call("keys.addRoles", { keyId, roles: ["ghost"] })).rejects.toMatchObject(
      {
        status: 404,
      },
    );
    expect(await emulator.call("keys.deleteKey", { keyId })).toEqual({});
    await expect(emulator.call("keys.getKey", { keyId })).rejects.toMatchObject({ status: 404 });
  });
});

describe("permissions and roles", () => {
  it("create, get, list, setRolePermissions, delete", async () => {
    const { permissionId } = await emulator.call<Json>("permissions.createPermission", {
      name: "Read reports",
      slug: "reports.read",
      description: "read",
    });
    expect(
      await emulator.call("permissions.getPermission", { permission: "reports.read" }),
    ).toEqual({
      id: permissionId,
      name: "Read reports",
      slug: "reports.read",
      description: "read",
    });
    await expect(
      emulator.call("permissions.createPermission", { name: "dup", slug: "reports.read" }),
    ).rejects.toMatchObject({ status: 409 });
    const list = await post(emulator, "permissions.listPermissions", { search: "reports" });
    expect(list.body.data.map((p: Json) => p.slug)).toEqual(["reports.read"]);
    expect(list.body.pagination).toEqual({ hasMore: false });

    const { roleId } = await emulator.call<Json>("permissions.createRole", { name: "analyst" });
    const perms = await emulator.call<Json[]>("permissions.setRolePermissions", {
      roleId,
      permissions: ["reports.write", "reports.read"],
    });
    expect(perms.map((p) => p.slug)).toEqual(["reports.read", "reports.write"]);
    const role = await emulator.call<Json>("permissions.getRole", { role: "analyst" });
    expect(role).toMatchObject({ id: roleId, name: "analyst" });
    expect(role.permissions).toHaveLength(2);
    const roles = await post(emulator, "permissions.listRoles", { search: "analyst" });
    expect(roles.body.data).toHaveLength(1);
    await emulator.call("permissions.deletePermission", { permission: permissionId });
    expect(
      (await emulator.call<Json>("permissions.getRole", { role: roleId })).permissions,
    ).toHaveLength(1);
    await emulator.call("permissions.deleteRole", { role: roleId });
    await expect(emulator.call("permissions.getRole", { role: roleId })).rejects.toMatchObject({
      status: 404,
    });
    const missing = await post(emulator, "permissions.setRolePermissions", { permissions: [] });
    expect(missing.status).toBe(400);
  });
});

describe("identities, ratelimit.limit and liveness", () => {
  it("creates and gets identities", async () => {
    const { identityId } = await emulator.call<Json>("identities.createIdentity", {
      externalId: "acme",
      meta: { tier: "gold" },
      ratelimits: [{ name: "rps", limit: 5, duration: 1000, autoApply: true }],
    });
    const byExternal = await emulator.call<Json>("identities.getIdentity", { identity: "acme" });
    expect(byExternal).toMatchObject({
      id: identityId,
      externalId: "acme",
      meta: { tier: "gold" },
    });
    expect(byExternal.ratelimits[0]).toMatchObject({ name: "rps", limit: 5, autoApply: true });
    await expect(
      emulator.call("identities.createIdentity", { externalId: "acme" }),
    ).rejects.toMatchObject({ status: 409 });
    await expect(
      emulator.call("identities.getIdentity", { identity: "nobody" }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });

  it("ratelimit.limit counts per namespace and identifier", async () => {
    const body = { namespace: "ns", identifier: "user", limit: 2, duration: 60_000 };
    expect(await emulator.call<Json>("ratelimit.limit", body)).toMatchObject({
      success: true,
      remaining: 1,
    });
    expect(await emulator.call<Json>("ratelimit.limit", body)).toMatchObject({
      success: true,
      remaining: 0,
    });
    const denied = await emulator.call<Json>("ratelimit.limit", body);
    expect(denied).toMatchObject({ success: false, remaining: 0, limit: 2 });
    expect(denied.reset).toBeGreaterThan(Date.now() - 1);
    expect(
      await emulator.call<Json>("ratelimit.limit", { ...body, identifier: "other" }),
    ).toMatchObject({ success: true });
  });

  it("GET /v2/liveness answers 200; unknown routes 404", async () => {
    const live = await fetch(`${emulator.url}/v2/liveness`);
    expect(live.status).toBe(200);
    expect((await live.json()).data).toEqual({ message: "OK" });
    const unknown = await post(emulator, "keys.nope", {});
    expect(unknown.status).toBe(404);
  });
});

describe("resource permissions on an API created through the API", () => {
  it("name its keyspace ks_ and the API id without api_", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyguard-emulator-"));
    const dataFile = join(dir, "data.json");
    try {
      const first = await startEmulator({ dataFile });
      const { apiId } = await first.call<{ apiId: string }>("apis.createApi", {
        name: "made-here",
      });
      await first.stop();
      const grant = `unkey:v1:ws_local:keyspaces/ks_${apiId.slice("api_".length)}#create_key`;
      const second = await startEmulator({
        dataFile,
        seed: { workspaceId: "ws_local", rootKeys: [{ key: "root_minter", permissions: [grant] }] },
      });
      const created = await post(second, "keys.createKey", { apiId }, "Bearer root_minter");
      await second.stop();
      expect(created.status).toBe(200);
      expect(created.body.data.keyId).toMatch(/^key_/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
