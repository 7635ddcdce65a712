import { createHash } from "node:crypto";
import {
  createVerifier,
  type Invalidation,
  KeyguardConfigError,
  type SharedEntry,
} from "@keyguard/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RedisCache, redisCache } from "../src/index";
import { type RedisServer, startRedis } from "./redis-server";

const SECRET = "test-secret-0123456789abcdefghijklmnop";
const KEY = "sk_live_plaintextKEY0123456789";
const META = "customer-acme-secret-meta";

let server: RedisServer;
const caches: RedisCache[] = [];
// A generous store timeout (the default is 50 ms): on a busy machine a Redis round trip can
// take longer, and a verifier would then rightly ask Unkey instead, which these tests do not
// count on. The timeout itself is the core suite's to test (its store that hangs).
const open = async (options: Partial<Parameters<typeof redisCache>[0]> = {}) => {
  const cache = redisCache({ url: server.url, secret: SECRET, timeoutMs: 10_000, ...options });
  caches.push(cache);
  await cache.ready();
  return cache;
};

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await server?.stop();
});

const entry = (extra: Partial<SharedEntry["result"]> = {}): SharedEntry => ({
  kind: "valid",
  result: {
    valid: true,
    code: "VALID",
    keyId: "key_abc",
    meta: { customer: META },
    roles: [],
    permissions: ["docs.read"],
    source: "cache",
    ...extra,
  },
  freshUntil: Date.now() + 5000,
  staleUntil: Date.now() + 5000,
  askedAt: Date.now(),
});

/** Resolves with the next invalidation `cache`'s bus delivers (to every listener, in order). */
function nextMessage(cache: RedisCache): Promise<Invalidation> {
  return new Promise((resolve) => {
    const stop = cache.subscribe({
      message: (invalidation) => {
        stop();
        resolve(invalidation);
      },
      reconnected() {},
    });
  });
}

/** Resolves when `cache`'s bus next subscribes again (after its connection came back). */
function nextSubscription(cache: RedisCache): Promise<void> {
  return new Promise((resolve) => {
    const stop = cache.subscribe({
      message() {},
      reconnected: () => {
        stop();
        resolve();
      },
    });
  });
}

/** A fetch answering every verifyKey with a valid key, counting calls. */
function fakeUnkey() {
  const state = { calls: 0 };
  const fetch = async () => {
    state.calls++;
    return Response.json({
      meta: { requestId: "req_1" },
      data: {
        valid: true,
        code: "VALID",
        keyId: "key_abc",
        meta: { customer: META },
        roles: [],
        permissions: [],
      },
    });
  };
  return { state, fetch: fetch as typeof globalThis.fetch };
}

describe("redisCache options", () => {
  it.each([
    [{ secret: SECRET }, /url/],
    [{ url: "http://x", secret: SECRET }, /url/],
    [{ url: "redis://127.0.0.1:1", secret: "short" }, /secret/],
    [{ url: "redis://127.0.0.1:1", secret: SECRET, timeoutMs: 0 }, /timeoutMs/],
    [{ url: "redis://127.0.0.1:1", secret: SECRET, ttl: 1 }, /ttl/],
    [{ url: "redis://127.0.0.1:1", secret: [] }, /`secret`/],
    [{ url: "redis://127.0.0.1:1", secret: [SECRET, "short"] }, /`secret\[1\]`/],
    [
      { url: "redis://127.0.0.1:1", secret: [SECRET, SECRET] },
      /`secret\[1\]`: repeats secret\[0\]/,
    ],
    [{ url: "redis://127.0.0.1:1", secret: SECRET, heartbeatIntervalMs: 0 }, /heartbeatIntervalMs/],
    [
      { url: "redis://127.0.0.1:1", secret: SECRET, heartbeatIntervalMs: 1.5 },
      /heartbeatIntervalMs/,
    ],
    [{ url: "redis://127.0.0.1:1", secret: SECRET, heartbeatTimeoutMs: 0 }, /heartbeatTimeoutMs/],
    [{ url: "redis://127.0.0.1:1", secret: SECRET, logger: {} }, /logger/],
  ])("refuses %o at start-up, naming the option", (options, name) => {
    expect(() => redisCache(options as never)).toThrow(KeyguardConfigError);
    expect(() => redisCache(options as never)).toThrow(name);
  });

  it("never echoes a secret in its error", () => {
    const shortOne = "0123456789-short-secret";
    let message = "";
    try {
      redisCache({ url: "redis://127.0.0.1:1", secret: [SECRET, shortOne, SECRET] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/secret\[1\]/);
    expect(message).not.toContain(shortOne);
    expect(message).not.toContain(SECRET);
  });
});

describe("redisCache on a real redis-server", () => {
  it("stores entries under HMAC ids, encrypted, and reads them back", async () => {
    const cache = await open();
    const id = cache.idFor(KEY);
    expect(id).not.toContain(KEY);
    expect(id).not.toBe(createHash("sha256").update(KEY).digest("hex"));
    expect(await cache.get(id, 1000)).toEqual({ lease: true });
    expect(await cache.get(id, 1000)).toEqual({ lease: false });
    const stored = entry();
    await cache.set(id, stored, 5000);
    expect(await cache.get(id, 1000)).toEqual({ entry: stored });
    const dump = (await server.dump()).toString("latin1");
    expect(dump).toContain("keyguard:e:");
    expect(dump).not.toContain(KEY);
    expect(dump).not.toContain(META);
    expect(dump).not.toContain("docs.read");
    expect(dump).not.toContain("key_abc");
  });

  it("ignores and deletes a corrupt value, or one sealed with another secret", async () => {
    const cache = await open();
    const other = await open({ secret: `${SECRET}-other` });
    const id = cache.idFor(`${KEY}-corrupt`);
    await server.command("SET", `keyguard:e:${id}`, "not encrypted");
    expect(await cache.get(id, 1000)).toEqual({ lease: true });
    expect(await server.command("EXISTS", `keyguard:e:${id}`)).toBe(":0\r\n");
    await other.set(id, entry(), 5000);
    expect(await cache.get(id, 1000)).toEqual({ lease: true });
  });

  it("deletes by key id, and carries invalidations to every subscriber", async () => {
    const a = await open();
    const b = await open();
    const id = a.idFor(`${KEY}-bus`);
    await a.set(id, entry({ keyId: "key_bus" }), 5000);
    const heard = nextMessage(b);
    await b.ready();
    await a.delete({ keyIds: ["key_bus"] });
    expect(await a.get(id, 1)).toMatchObject({ lease: true });
    await a.publish({ keyIds: ["key_bus"] });
    expect(await heard).toEqual({ keyIds: ["key_bus"] });
  });

  it("two verifiers share one upstream answer; invalidateKeyId reaches both", async () => {
    const unkey = fakeUnkey();
    const [cacheOne, cacheTwo] = [await open(), await open()] as [RedisCache, RedisCache];
    const one = createVerifier({ rootKey: "root", fetch: unkey.fetch, sharedCache: cacheOne });
    const two = createVerifier({ rootKey: "root", fetch: unkey.fetch, sharedCache: cacheTwo });
    const key = `${KEY}-verifiers`;
    expect((await one.verify(key)).source).toBe("upstream");
    expect((await two.verify(key)).source).toBe("cache");
    expect(unkey.state.calls).toBe(1);
    // Heard after `two`'s own listener (subscribed first), which drops the key.
    const heard = nextMessage(cacheTwo);
    await one.invalidateKeyId("key_abc");
    await heard;
    expect(two.cached(key)).toBeUndefined();
    expect((await two.verify(key)).source).toBe("upstream");
  });

  it("survives Redis being killed: requests fall back on the store's own failure, not its timeout, and after a restart the bus flushes L1", async () => {
    const own = await startRedis();
    // The longest store timeout: a request that falls back at once did not wait for it.
    const sharedCache = redisCache({ url: own.url, secret: SECRET, timeoutMs: 10_000 });
    caches.push(sharedCache);
    await sharedCache.ready();
    const unkey = fakeUnkey();
    const warnings: string[] = [];
    const verifier = createVerifier({
      rootKey: "root",
      fetch: unkey.fetch,
      sharedCache,
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    await verifier.verify(`${KEY}-a`);
    await own.kill("SIGKILL");
    expect((await verifier.verify(`${KEY}-b`)).valid).toBe(true);
    // The store said it failed (ioredis fails commands while disconnected): no wait for its
    // timeout, on however busy a machine.
    const unavailable = warnings.filter((w) => w.includes("unavailable"));
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]).not.toMatch(/no answer in/);
    expect(verifier.cached(`${KEY}-a`)?.valid).toBe(true);
    const resubscribed = nextSubscription(sharedCache);
    await own.restart();
    await resubscribed; // after the verifier's own listener, which flushed L1
    expect(verifier.cached(`${KEY}-a`)).toBeUndefined();
    expect(warnings.join("\n")).not.toContain(KEY);
    expect(warnings.filter((w) => w.includes("unavailable"))).toHaveLength(1);
    await own.stop();
  });

  it("an instance started while Redis is down hears invalidations once Redis is up (attacker review)", async () => {
    const own = await startRedis();
    await own.kill("SIGKILL");
    // The bus connection the instance opens, to see it fail against the dead port.
    const duplicate = vi.spyOn(Redis.prototype, "duplicate");
    const late = redisCache({ url: own.url, secret: SECRET });
    caches.push(late);
    const unkey = fakeUnkey();
    const quiet = { warn() {}, error() {} };
    const a = createVerifier({
      rootKey: "root",
      fetch: unkey.fetch,
      sharedCache: late,
      logger: quiet,
    });
    const bus = duplicate.mock.results[0]?.value as Redis;
    duplicate.mockRestore();
    // Three failed reconnections: a SUBSCRIBE sent while down would have been dropped by now
    // (ioredis gives up a queued command after maxRetriesPerRequest + 1 of them), where a pause
    // could pass before the instance had even tried.
    await new Promise<void>((resolve) => {
      let attempts = 0;
      bus.on("reconnecting", () => {
        if (++attempts === 3) resolve();
      });
    });
    await own.restart();
    await late.ready();
    const early = redisCache({ url: own.url, secret: SECRET });
    caches.push(early);
    await early.ready();
    const b = createVerifier({
      rootKey: "root",
      fetch: unkey.fetch,
      sharedCache: early,
      logger: quiet,
    });
    const key = `${KEY}-late`;
    expect((await a.verify(key)).valid).toBe(true);
    expect(a.cached(key)?.valid).toBe(true);
    const heard = nextMessage(late);
    await b.invalidateKeyId("key_abc");
    expect(await heard).toEqual({ keyIds: ["key_abc"] });
    expect(a.cached(key)).toBeUndefined();
    await own.stop();
  });

  it("an entry copied to another app's prefix does not open there (attacker review)", async () => {
    const x = await open({ prefix: "appx:" });
    const y = await open({ prefix: "appy:" });
    const id = x.idFor(`${KEY}-prefix`);
    await x.set(id, entry(), 5000);
    const sealed = await server.command("GET", `appx:e:${id}`);
    await server.command("SET", `appy:e:${id}`, sealed.trim().replace(/^\$\d+\s*/, ""));
    const read = await y.get(id, 100);
    expect(read.entry).toBeUndefined();
  });

  it("an answer that raced invalidateKeyId's delete is never served from Redis (attacker review)", async () => {
    let revoked = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answer = () =>
      Response.json({
        meta: { requestId: "r" },
        data: revoked
          ? { valid: false, code: "DISABLED", keyId: "key_race", roles: [], permissions: [] }
          : { valid: true, code: "VALID", keyId: "key_race", roles: [], permissions: [] },
      });
    let calledSlow!: () => void;
    const slowCalled = new Promise<void>((resolve) => {
      calledSlow = resolve;
    });
    const slow = (async () => {
      const response = answer(); // answered before the revocation, delivered after it
      calledSlow();
      await gate;
      return response;
    }) as typeof globalThis.fetch;
    const fast = (async () => answer()) as typeof globalThis.fetch;
    const [ca, cb, cc] = [await open(), await open(), await open()] as [
      RedisCache,
      RedisCache,
      RedisCache,
    ];
    const deleteOnB = cb.delete.bind(cb);
    cb.delete = async (target) => {
      await deleteOnB(target);
      release();
    };
    const a = createVerifier({ rootKey: "root", fetch: slow, sharedCache: ca });
    const b = createVerifier({ rootKey: "root", fetch: fast, sharedCache: cb });
    const c = createVerifier({ rootKey: "root", fetch: fast, sharedCache: cc });
    const key = `${KEY}-race`;
    const pending = a.verify(key);
    await slowCalled; // a's call to Unkey is out
    revoked = true;
    const heard = [ca, cb, cc].map(nextMessage);
    await b.invalidateKeyId("key_race");
    expect((await pending).code).toBe("VALID"); // the in-flight request itself
    // Every instance heard the revocation, and a's write of that answer (sent before a round
    // trip on the same connection) is in Redis: the worst case, not a pause hoping for it.
    await Promise.all(heard);
    await ca.get(ca.idFor(`${KEY}-sync`), 1);
    for (const verifier of [a, b, c]) expect((await verifier.verify(key)).code).toBe("DISABLED");
  });
});
