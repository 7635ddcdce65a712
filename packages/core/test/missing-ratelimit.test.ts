import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuard } from "../src/adapter";

// keys.verifyKey answers 412 when the request names a rate limit that the key (and its
// identity) lacks (internal/services/keys/validation.go, v2_keys_verify_key/412_test.go):
// an answer about that key, not a misconfiguration of every request.

let emulator: Emulator;
let apiId: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "limits" }));
});
afterAll(async () => {
  await emulator.stop();
});

const createKey = (extra: object = {}) =>
  emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId, ...extra });

describe("a route applying a named rate limit that one key lacks", () => {
  it("refuses that key with 403 MISSING_RATELIMIT naming the limit, lets the others through, and logs once", async () => {
    const withLimit = await createKey({
      ratelimits: [{ name: "requests", limit: 100, duration: 60_000, autoApply: false }],
    });
    const without = await createKey();
    const warnings: string[] = [];
    const errors: string[] = [];
    const guard = createGuard({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      logger: { warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    });
    const route = guard.route({ ratelimits: [{ name: "requests" }] });
    const check = (key: string) =>
      guard.check({ headers: { authorization: `Bearer ${key}` }, route: "GET /search" }, route);

    const refused = await check(without.key);
    expect(refused).toMatchObject({ allowed: false, status: 403, code: "MISSING_RATELIMIT" });
    if (refused.allowed) throw new Error("unreachable");
    expect(refused.body.detail).toContain('"requests"');
    expect(refused.body.requestId).toBeDefined();

    expect(await check(withLimit.key)).toMatchObject({ allowed: true });
    expect(await check(without.key)).toMatchObject({ status: 403, code: "MISSING_RATELIMIT" });
    expect(await check(withLimit.key)).toMatchObject({ allowed: true });

    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("GET /search");
    expect(warnings[0]).toContain('"requests"');
    expect(warnings[0]).toContain(without.keyId);
    expect(warnings[0]).not.toContain(without.key);
  });
});
