import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createGuard } from "../src/adapter";
import { createVerifier, KeyguardConfigError } from "../src/index";

// Issue 32 item 4: a charged request whose response matches the route's `refund` rule gets
// its credits back through keys.updateCredits (increment), once.

const NO_UPDATE_ROOT = "root_verify_only_refund_test";
let emulator: Emulator;
let apiId: string;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: { rootKeys: [{ key: NO_UPDATE_ROOT, permissions: ["api.*.verify_key"] }] },
  });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "refunds" }));
});
afterAll(async () => {
  await emulator.stop();
});

const createKey = (extra: object = {}) =>
  emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId, ...extra });
const creditsOf = async (keyId: string) =>
  (await emulator.call<{ credits?: { remaining: number | null } }>("keys.getKey", { keyId }))
    .credits?.remaining;
const updateCalls = () => emulator.stats().calls["keys.updateCredits"] ?? 0;
const onServerError = { onStatus: (status: number) => status >= 500 };

function logs() {
  const errors: string[] = [];
  return {
    errors,
    logger: { warn: (m: string) => errors.push(m), error: (m: string) => errors.push(m) },
  };
}

function guardWith(extra: object = {}) {
  const { errors, logger } = logs();
  const guard = createGuard({ rootKey: emulator.rootKey, baseUrl: emulator.url, logger, ...extra });
  const check = async (key: string, route = guard.route()) => {
    const decision = await guard.check({ headers: { authorization: `Bearer ${key}` } }, route);
    return { decision, refund: guard.refundFor(decision, route) };
  };
  return { guard, check, errors };
}

describe("refunds", () => {
  it("gives a 500's cost back, once, and counts it", async () => {
    const { key, keyId } = await createKey({ credits: { remaining: 10 } });
    const { guard, check, errors } = guardWith({ cost: 3, refund: onServerError });
    const before = updateCalls();
    const { decision, refund } = await check(key);
    expect(decision.allowed).toBe(true);
    expect(await creditsOf(keyId)).toBe(7);
    refund?.(500);
    refund?.(500);
    await vi.waitFor(() => expect(guard.verifier.stats().refunds).toBe(1));
    expect(await creditsOf(keyId)).toBe(10);
    expect(updateCalls() - before).toBe(1);
    expect(errors).toEqual([]);
  });

  it("keeps the charge when the status does not match", async () => {
    const { key, keyId } = await createKey({ credits: { remaining: 10 } });
    const { guard, check } = guardWith({ cost: 3, refund: onServerError });
    const before = updateCalls();
    const { refund } = await check(key);
    refund?.(200);
    expect(refund).toBeDefined();
    expect(guard.verifier.stats()).toMatchObject({ refunds: 0, refundFailures: 0 });
    expect(updateCalls()).toBe(before);
    expect(await creditsOf(keyId)).toBe(7);
  });

  it("refunds Unkey's default cost of 1 for a key with credits on a route without `cost`", async () => {
    const { key, keyId } = await createKey({ credits: { remaining: 5 } });
    const { guard, check } = guardWith({ refund: onServerError });
    (await check(key)).refund?.(503);
    await vi.waitFor(() => expect(guard.verifier.stats().refunds).toBe(1));
    expect(await creditsOf(keyId)).toBe(5);
  });

  it("claims nothing for what charged nothing: unlimited credits, cost 0, a cached answer", async () => {
    const unlimited = await createKey();
    const { guard, check } = guardWith({ cost: 2, refund: onServerError });
    expect((await check(unlimited.key)).refund).toBeUndefined();
    const limited = await createKey({ credits: { remaining: 5 } });
    expect((await check(limited.key, guard.route({ cost: 0 }))).refund).toBeUndefined();
    // An unmetered route: the second answer is the cache's.
    const unmetered = createGuard({ verifier: guard.verifier, refund: onServerError });
    await unmetered.check({ headers: { authorization: `Bearer ${unlimited.key}` } });
    const cached = await unmetered.check({ headers: { authorization: `Bearer ${unlimited.key}` } });
    expect(cached.allowed && cached.context?.source).toBe("cache");
    expect(unmetered.refundFor(cached)).toBeUndefined();
  });

  it("lets a route turn the guard's rule off with `refund: false`", async () => {
    const { key } = await createKey({ credits: { remaining: 5 } });
    const { guard, check } = guardWith({ cost: 1, refund: onServerError });
    expect((await check(key, guard.route({ refund: false }))).refund).toBeUndefined();
  });

  it("logs a refund the root key may not make, once, without the key, and the request stands", async () => {
    const { key, keyId } = await createKey({ credits: { remaining: 10 } });
    const { errors, logger } = logs();
    const guard = createGuard({
      rootKey: NO_UPDATE_ROOT,
      baseUrl: emulator.url,
      logger,
      cost: 2,
      refund: onServerError,
    });
    const decision = await guard.check({ headers: { authorization: `Bearer ${key}` } });
    expect(decision.allowed).toBe(true);
    guard.refundFor(decision)?.(500);
    await vi.waitFor(() => expect(guard.verifier.stats().refundFailures).toBe(1));
    expect(guard.verifier.stats().refunds).toBe(0);
    expect(await creditsOf(keyId)).toBe(8);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(keyId);
    expect(errors[0]).toContain("HTTP 403");
    expect(errors[0]).toContain("api.*.update_key");
    expect(errors[0]).not.toContain(key);
    expect(errors[0]).not.toContain(NO_UPDATE_ROOT);
  });

  it("retries a refund only after a refused connection, never after Unkey may have seen it", async () => {
    const { key } = await createKey({ credits: { remaining: 10 } });
    for (const [failure, attempts] of [
      [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), 2],
      [Object.assign(new Error("timed out"), { name: "TimeoutError" }), 1],
    ] as const) {
      let tries = 0;
      const fetchThrough: typeof fetch = (input, init) => {
        if (!String(input instanceof Request ? input.url : input).endsWith("keys.updateCredits"))
          return fetch(input, init);
        tries++;
        return Promise.reject(failure);
      };
      const { errors, logger } = logs();
      const guard = createGuard({
        rootKey: emulator.rootKey,
        baseUrl: emulator.url,
        fetch: fetchThrough,
        logger,
        cost: 1,
        refund: onServerError,
      });
      const decision = await guard.check({ headers: { authorization: `Bearer ${key}` } });
      guard.refundFor(decision)?.(500);
      await vi.waitFor(() => expect(guard.verifier.stats().refundFailures).toBe(1));
      expect(tries).toBe(attempts);
      expect(errors).toHaveLength(1);
    }
  });

  it("logs a throwing onStatus and refunds nothing", async () => {
    const { key } = await createKey({ credits: { remaining: 10 } });
    const { guard, check, errors } = guardWith({
      cost: 1,
      refund: {
        onStatus: () => {
          throw new Error("boom");
        },
      },
    });
    (await check(key)).refund?.(500);
    expect(errors).toEqual(["keyguard: refund.onStatus threw (boom); nothing refunded."]);
    expect(guard.verifier.stats().refunds).toBe(0);
  });

  it("refuses a bad rule at start-up, naming the option", () => {
    const base = { rootKey: "unkey_root", baseUrl: emulator.url };
    const named = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(KeyguardConfigError);
        return (error as KeyguardConfigError).option;
      }
      throw new Error("no KeyguardConfigError");
    };
    expect(named(() => createGuard({ ...base, refund: { onStatus: 500 } as never }))).toBe(
      "refund.onStatus",
    );
    expect(named(() => createGuard({ ...base, refund: true as never }))).toBe("refund");
    const guard = createGuard(base);
    expect(
      named(() =>
        guard.route({ refund: { onStatus: () => true, when: 1 } as never }, "config.unkey."),
      ),
    ).toBe("config.unkey.refund.when");
    const verifier = createVerifier(base);
    const lookalike = { ...verifier, verify: verifier.verify, cached: verifier.cached };
    expect(named(() => createGuard({ verifier: lookalike, refund: onServerError }))).toBe("refund");
  });
});
