import { createHash } from "node:crypto";
import { createVerifier, KeyguardConfigError, type SharedEntry } from "@keyguard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisCache, redisCache } from "../src/index";
import { type RedisServer, startRedis } from "./redis-server";

const SECRET = "test-secret-0123456789abcdefghijklmnop";
const KEY = "sk_live_plaintextKEY0123456789";
const META = "customer-acme-secret-meta";

let server: RedisServer;
const caches: RedisCache[] = [];
const open = async (options: Partial<Parameters<typeof redisCache>[0]> = {}) => {
  const cache = redisCache({ url: server.url, secret: SECRET, ...options });
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
    const heard: unknown[] = [];
    b.subscribe({ message: (m) => heard.push(m), reconnected: () => {} });
    await b.ready();
    await a.delete({ keyIds: ["key_bus"] });
    expect(await a.get(id, 1)).toMatchObject({ lease: true });
    await a.publish({ keyIds: ["key_bus"] });
    await expect.poll(() => heard).toEqual([{ keyIds: ["key_bus"] }]);
  });

  it("two verifiers share one upstream answer; invalidateKeyId reaches both", async () => {
    const unkey = fakeUnkey();
    const [one, two] = [await open(), await open()].map((sharedCache) =>
      createVerifier({ rootKey: "root", fetch: unkey.fetch, sharedCache }),
    );
    const key = `${KEY}-verifiers`;
    expect((await one?.verify(key))?.source).toBe("upstream");
    expect((await two?.verify(key))?.source).toBe("cache");
    expect(unkey.state.calls).toBe(1);
    await one?.invalidateKeyId("key_abc");
    await expect.poll(() => two?.cached(key)).toBeUndefined();
    expect((await two?.verify(key))?.source).toBe("upstream");
  });

  it("survives Redis being killed: requests fall back at once, and after a restart the bus flushes L1", async () => {
    const own = await startRedis();
    const sharedCache = redisCache({ url: own.url, secret: SECRET });
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
    const started = performance.now();
    expect((await verifier.verify(`${KEY}-b`)).valid).toBe(true);
    expect(performance.now() - started).toBeLessThan(100);
    expect(verifier.cached(`${KEY}-a`)?.valid).toBe(true);
    await own.restart();
    await expect.poll(() => verifier.cached(`${KEY}-a`), { timeout: 5000 }).toBeUndefined();
    expect(warnings.join("\n")).not.toContain(KEY);
    expect(warnings.filter((w) => w.includes("unavailable"))).toHaveLength(1);
    await own.stop();
  });

  it("an instance started while Redis is down hears invalidations once Redis is up (attacker review)", async () => {
    const own = await startRedis();
    await own.kill("SIGKILL");
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
    await new Promise((resolve) => setTimeout(resolve, 300));
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
    await expect.poll(async () => (await a.verify(key)).valid, { timeout: 5000 }).toBe(true);
    await expect.poll(() => a.cached(key)?.valid, { timeout: 5000 }).toBe(true);
    await b.invalidateKeyId("key_abc");
    await expect.poll(() => a.cached(key), { timeout: 2000 }).toBeUndefined();
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
    const slow = (async () => {
      const response = answer(); // answered before the revocation, delivered after it
      await gate;
      return response;
    }) as typeof globalThis.fetch;
    const fast = (async () => answer()) as typeof globalThis.fetch;
    const [ca, cb, cc] = [await open(), await open(), await open()];
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
    await new Promise((resolve) => setTimeout(resolve, 30));
    revoked = true;
    await b.invalidateKeyId("key_race");
    expect((await pending).code).toBe("VALID"); // the in-flight request itself
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const verifier of [a, b, c]) expect((await verifier.verify(key)).code).toBe("DISABLED");
  });
});
