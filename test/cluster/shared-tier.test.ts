import { randomBytes } from "node:crypto";
import { createVerifier, type Verifier, type VerifierOptions } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { type RedisCache, redisCache } from "@keyguard/redis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type RedisServer, startRedis } from "../../packages/redis/test/redis-server";

// Instances as the verifiers of separate processes see each other: each with its own
// in-process cache and its own Redis connections, one Redis, one emulator. The TTLs are a
// minute, so that nothing below can pass by an entry expiring.

const SECRET = randomBytes(32).toString("base64");
const LONG_TTL_MS = 60_000;

let emulator: Emulator;
let redis: RedisServer;
let apiId: string;
const stores: RedisCache[] = [];

beforeAll(async () => {
  [emulator, redis] = await Promise.all([startEmulator({ port: 0 }), startRedis()]);
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "tier" }));
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await redis?.stop();
  await emulator?.stop();
});

async function instance(options: Partial<VerifierOptions> = {}): Promise<Verifier> {
  const store = redisCache({ url: redis.url, secret: SECRET, timeoutMs: 1000 });
  stores.push(store);
  await store.ready();
  return createVerifier({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    sharedCache: store,
    cache: { ttlMs: LONG_TTL_MS, negativeTtlMs: 1000 },
    ...options,
  });
}

const newKey = (extra: object = {}) =>
  emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId, ...extra });

/** Polls `check` until it holds: an event awaited, bounded far below the minute-long TTL. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

const credits = async (keyId: string) =>
  (await emulator.call<{ credits?: { remaining: number } }>("keys.getKey", { keyId })).credits
    ?.remaining;

describe("a refusal seen on a metered route is seen by every instance (sharedCache)", () => {
  it("instance A's /paid sees DISABLED: B's /plain stops serving VALID, and A never serves it again from Redis", async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const { key, keyId } = await newKey();
    expect(await b.verify(key)).toMatchObject({ valid: true }); // in B's cache and in Redis
    await emulator.call("keys.updateKey", { keyId, enabled: false });

    expect(await a.verify(key, { cost: 1 })).toMatchObject({ code: "DISABLED" });
    expect(await eventually(async () => (await b.verify(key)).code === "DISABLED")).toBe(true);
    // A's own negative entry (1 s) lapses; Redis must not hand A the old VALID then.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 1500 });
    expect(await a.verify(key)).toMatchObject({ valid: false, code: "DISABLED" });
  });

  it("credits added to a key cached as unmetered: every instance charges it from A's next metered answer", async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const { key, keyId } = await newKey();
    expect(await b.verify(key)).toMatchObject({ valid: true, credits: undefined });
    await emulator.call("keys.updateKey", { keyId, credits: { remaining: 100 } });

    expect(await a.verify(key, { cost: 1 })).toMatchObject({ valid: true, credits: 99 });
    expect(await eventually(async () => (await b.verify(key)).source === "upstream")).toBe(true);
    const before = (await credits(keyId)) ?? 0;
    for (let i = 0; i < 10; i++) await b.verify(key);
    expect(await credits(keyId)).toBe(before - 10);
  });

  it("a flood of unknown keys on a metered route publishes nothing on the bus", async () => {
    const a = await instance();
    const publishes = async () =>
      Number(
        /cmdstat_publish:calls=(\d+)/.exec(await redis.command("INFO", "commandstats"))?.[1] ?? 0,
      );
    const before = await publishes();
    for (let i = 0; i < 20; i++) {
      const unknown = `sk_unknown_${randomBytes(8).toString("hex")}`;
      expect(await a.verify(unknown, { cost: 1 })).toMatchObject({ code: "NOT_FOUND" });
    }
    expect(await publishes()).toBe(before);
  });
});

describe("instances with different ttlMs sharing Redis", () => {
  it("counts freshness from when Unkey answered: a 1 s instance does not serve a 60 s instance's entry for 60 s", async () => {
    const long = await instance();
    const short = await instance({ cache: { ttlMs: 1000 } });
    const { key, keyId } = await newKey();
    expect(await long.verify(key)).toMatchObject({ valid: true, source: "upstream" });
    await emulator.call("keys.updateKey", { keyId, enabled: false });
    // 1.5 s after Unkey's answer, in the short instance's eyes: past its own TTL.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 1500 });
    expect(await short.verify(key)).toMatchObject({
      valid: false,
      code: "DISABLED",
      source: "upstream",
    });
  });
});

describe("the fail-closed time with a sharedCache", () => {
  it("an instance waiting on another's lease gets no fresh timeout of its own after the wait", async () => {
    const timeoutMs = 600;
    const [a, b] = await Promise.all([instance({ timeoutMs }), instance({ timeoutMs })]);
    const { key } = await newKey();
    emulator.setFault({ hang: true });
    try {
      const before = emulator.stats().calls["keys.verifyKey"] ?? 0;
      const first = a.verify(key).catch((error: unknown) => error);
      // B asks once A's call is out (A holds the lease).
      await eventually(async () => (emulator.stats().calls["keys.verifyKey"] ?? 0) > before);
      const second = (await b.verify(key).catch((error: unknown) => error)) as Error;
      expect(await first).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
      expect(second).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
      // Either no time was left for a call of its own, or its call had only what was left.
      const within = /did not answer within (\d+) ms/.exec(second.message);
      if (within === null) expect(second.message).toContain("waiting for another instance");
      else expect(Number(within[1])).toBeLessThan(timeoutMs);
    } finally {
      emulator.setFault(null);
    }
  });
});
