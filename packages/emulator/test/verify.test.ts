import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";
import { fakeClock, post } from "./helpers";

let emulator: Emulator;
let apiId: string;
const clock = fakeClock();

async function createKey(extra: Record<string, unknown> = {}) {
  return emulator.call<{ keyId: string; key: string }>("keys.createKey", { apiId, ...extra });
}

async function verify(body: Record<string, unknown>) {
  const res = await post(emulator, "keys.verifyKey", body);
  expect(res.status).toBe(200);
  expect(res.body.meta.requestId).toMatch(/^req_/);
  return res.body.data;
}

beforeEach(async () => {
  clock.set(Date.UTC(2025, 0, 15, 12, 0, 0));
  emulator = await startEmulator({ now: clock.now });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "verify-tests" }));
  const { roleId } = await emulator.call<{ roleId: string }>("permissions.createRole", {
    name: "reader",
  });
  await emulator.call("permissions.setRolePermissions", {
    roleId,
    permissions: ["docs.read", "docs.list"],
  });
});

afterEach(async () => {
  await emulator.stop();
});

describe("keys.verifyKey codes", () => {
  it("VALID with permissions direct and through roles, deduplicated", async () => {
    const { key, keyId } = await createKey({
      prefix: "sk",
      name: "k1",
      meta: { plan: "pro" },
      roles: ["reader"],
      permissions: ["docs.write", "docs.read"],
    });
    expect(key).toMatch(/^sk_[1-9A-HJ-NP-Za-km-z]+$/);
    const data = await verify({ key });
    expect(data).toMatchObject({ valid: true, code: "VALID", keyId, name: "k1", enabled: true });
    expect(data.meta).toEqual({ plan: "pro" });
    expect([...data.permissions].sort()).toEqual(["docs.list", "docs.read", "docs.write"]);
    expect(data.roles).toEqual(["reader"]);
    expect(data.credits).toBeUndefined();
  });

  it("NOT_FOUND without keyId, for unknown and deleted keys", async () => {
    expect(await verify({ key: "nope_123" })).toEqual({ valid: false, code: "NOT_FOUND" });
    const { key, keyId } = await createKey();
    await emulator.call("keys.deleteKey", { keyId });
    expect(await verify({ key })).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("DISABLED, then VALID again once enabled", async () => {
    const { key, keyId } = await createKey({ enabled: false, roles: ["reader"] });
    const data = await verify({ key });
    expect(data).toMatchObject({
      valid: false,
      code: "DISABLED",
      keyId,
      enabled: false,
      roles: ["reader"],
    });
    await emulator.call("keys.updateKey", { keyId, enabled: true });
    expect((await verify({ key })).code).toBe("VALID");
  });

  it("EXPIRED once the clock passes expires", async () => {
    const { key } = await createKey({ expires: clock.now() + 60_000 });
    expect((await verify({ key })).code).toBe("VALID");
    const expires = clock.now() + 60_000;
    clock.advance(60_000);
    // internal/services/keys/get.go: expired only once now is after `expires`.
    expect((await verify({ key })).code).toBe("VALID");
    clock.advance(1);
    const data = await verify({ key });
    expect(data).toMatchObject({ valid: false, code: "EXPIRED", expires });
  });

  it("INSUFFICIENT_PERMISSIONS by query with AND, OR and parentheses", async () => {
    const { key } = await createKey({ roles: ["reader"], permissions: ["billing.read"] });
    expect((await verify({ key, permissions: "docs.read AND billing.read" })).code).toBe("VALID");
    expect((await verify({ key, permissions: "docs.write OR docs.list" })).code).toBe("VALID");
    expect((await verify({ key, permissions: "admin OR docs.read AND docs.list" })).code).toBe(
      "VALID",
    );
    const denied = await verify({ key, permissions: "(admin OR docs.read) AND docs.write" });
    expect(denied).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    expect(denied.permissions).toContain("billing.read");
  });

  it("permission-query syntax error is a 400 with Unkey's type", async () => {
    const { key } = await createKey();
    const res = await post(emulator, "keys.verifyKey", { key, permissions: "a AND" });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe(
      "https://unkey.com/docs/errors/user/bad_request/permissions_query_syntax_error",
    );
    expect(res.body.error.detail).toBe(
      "Unexpected end of query. Expected a permission identifier or opening parenthesis.",
    );
    expect(res.body.error.errors).toEqual([]);
  });

  it("NOT_FOUND and no key data when the root key may not verify keys of that API", async () => {
    const { key, keyId } = await createKey();
    await emulator.stop();
    emulator = await startEmulator({
      now: clock.now,
      seed: {
        rootKeys: [{ key: "root_limited", permissions: ["api.other.verify_key"] }],
        apis: [{ id: "api_a", name: "a", keys: [{ key: "a_key_1", id: "key_a1" }] }],
      },
    });
    const res = await post(emulator, "keys.verifyKey", { key: "a_key_1" }, "Bearer root_limited");
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ valid: false, code: "NOT_FOUND" });
    const other = await post(emulator, "apis.createApi", { name: "nope" }, "Bearer root_limited");
    expect(other.status).toBe(403);
    expect(other.body.error.status).toBe(403);
    expect(key && keyId).toBeTruthy();
  });
});

describe("credits", () => {
  it("deducts, lets cost 0 pass at 0, refuses with nothing deducted", async () => {
    const { key, keyId } = await createKey({ credits: { remaining: 2 } });
    expect(await verify({ key })).toMatchObject({ code: "VALID", credits: 1 });
    expect(await verify({ key, credits: { cost: 1 } })).toMatchObject({
      code: "VALID",
      credits: 0,
    });
    expect(await verify({ key, credits: { cost: 0 } })).toMatchObject({
      code: "VALID",
      credits: 0,
    });
    expect(await verify({ key })).toMatchObject({
      valid: false,
      code: "USAGE_EXCEEDED",
      credits: 0,
    });
    await emulator.call("keys.updateCredits", { keyId, operation: "set", value: 3 });
    // usagelimiter/redis.go (lines 224-226) reports the unchanged count on a
    // refusal, and deducts nothing.
    expect(await verify({ key, credits: { cost: 5 } })).toMatchObject({
      code: "USAGE_EXCEEDED",
      credits: 3,
    });
    expect(await verify({ key, credits: { cost: 3 } })).toMatchObject({
      code: "VALID",
      credits: 0,
    });
  });

  it("does not deduct when an earlier check fails", async () => {
    const { key } = await createKey({ credits: { remaining: 1 } });
    expect((await verify({ key, permissions: "admin" })).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(await verify({ key })).toMatchObject({ code: "VALID", credits: 0 });
  });

  it("refills daily and monthly, lazily", async () => {
    const daily = await createKey({
      credits: { remaining: 1, refill: { interval: "daily", amount: 3 } },
    });
    const monthly = await createKey({
      credits: { remaining: 1, refill: { interval: "monthly", amount: 10, refillDay: 20 } },
    });
    expect(await verify({ key: daily.key })).toMatchObject({ credits: 0 });
    expect((await verify({ key: daily.key })).code).toBe("USAGE_EXCEEDED");
    clock.set(Date.UTC(2025, 0, 16, 0, 0, 1));
    expect(await verify({ key: daily.key })).toMatchObject({ code: "VALID", credits: 2 });
    expect(await verify({ key: monthly.key })).toMatchObject({ code: "VALID", credits: 0 });
    clock.set(Date.UTC(2025, 0, 19, 23, 0, 0));
    expect((await verify({ key: monthly.key })).code).toBe("USAGE_EXCEEDED");
    clock.set(Date.UTC(2025, 0, 20, 1, 0, 0));
    expect(await verify({ key: monthly.key })).toMatchObject({ code: "VALID", credits: 9 });
  });
});

describe("rate limits", () => {
  it("auto-applied limits answer RATE_LIMITED with an absolute reset", async () => {
    const { key } = await createKey({
      ratelimits: [{ name: "requests", limit: 2, duration: 60_000, autoApply: true }],
    });
    const first = await verify({ key });
    expect(first.ratelimits).toEqual([
      expect.objectContaining({
        name: "requests",
        exceeded: false,
        remaining: 1,
        limit: 2,
        autoApply: true,
      }),
    ]);
    const windowEnd = Math.floor(clock.now() / 60_000) * 60_000 + 60_000;
    expect(first.ratelimits[0].reset).toBe(windowEnd);
    expect((await verify({ key })).code).toBe("VALID");
    const limited = await verify({ key });
    expect(limited).toMatchObject({ valid: false, code: "RATE_LIMITED" });
    expect(limited.ratelimits[0]).toMatchObject({ exceeded: true, remaining: 0, reset: windowEnd });
    // The window slides (internal/services/ratelimit/ratelimit.go:108-112): at
    // the reset the previous window still weighs fully (2 × 1.0), half-way
    // through the next one only ⌊2 × 0.5⌋ = 1, which leaves room for one.
    clock.set(windowEnd);
    expect((await verify({ key })).code).toBe("RATE_LIMITED");
    clock.set(windowEnd + 30_000);
    expect((await verify({ key })).ratelimits[0]).toMatchObject({
      exceeded: false,
      remaining: 0,
      reset: windowEnd + 60_000,
    });
  });

  it("named limits by name with cost override, identity limits, unknown name", async () => {
    await emulator.call("identities.createIdentity", {
      externalId: "user_42",
      ratelimits: [{ name: "tokens", limit: 10, duration: 1000, autoApply: false }],
    });
    const { key } = await createKey({
      externalId: "user_42",
      ratelimits: [{ name: "heavy", limit: 3, duration: 60_000, autoApply: false }],
    });
    const a = await verify({ key, ratelimits: [{ name: "heavy", cost: 2 }] });
    expect(a.ratelimits[0]).toMatchObject({ name: "heavy", remaining: 1, autoApply: false });
    expect(a.identity).toMatchObject({ externalId: "user_42" });
    expect((await verify({ key, ratelimits: [{ name: "heavy", cost: 2 }] })).code).toBe(
      "RATE_LIMITED",
    );
    const t = await verify({ key, ratelimits: [{ name: "tokens", cost: 10 }] });
    expect(t).toMatchObject({ code: "VALID" });
    expect(t.ratelimits[0]).toMatchObject({ name: "tokens", remaining: 0 });
    const unknown = await post(emulator, "keys.verifyKey", { key, ratelimits: [{ name: "nope" }] });
    expect(unknown.status).toBe(412);
    expect(unknown.body.error.status).toBe(412);
    const adhoc = await verify({ key, ratelimits: [{ name: "adhoc", limit: 1, duration: 1000 }] });
    expect(adhoc.ratelimits[0]).toMatchObject({
      id: "",
      name: "adhoc",
      remaining: 0,
      exceeded: false,
    });
  });
});
