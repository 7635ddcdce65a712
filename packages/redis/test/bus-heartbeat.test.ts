import { createVerifier } from "@keyguard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisCache, redisCache } from "../src/index";
import { type RedisServer, startRedis } from "./redis-server";
import { type StallingProxy, startStallingProxy } from "./stalling-proxy";

const SECRET = "test-secret-0123456789abcdefghijklmnop";
const KEY = "sk_live_halfOpenBus0123456789";
const quiet = { warn() {}, error() {} };

let server: RedisServer;
let proxy: StallingProxy;
const caches: RedisCache[] = [];
beforeAll(async () => {
  server = await startRedis();
  proxy = await startStallingProxy(server.port);
});
afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await proxy?.close();
  await server?.stop();
});

/** Unkey for one key: valid until `revoked`, then DISABLED. */
function unkey() {
  const state = { calls: 0, revoked: false };
  const fetch = (async () => {
    state.calls++;
    return Response.json({
      meta: { requestId: "req" },
      data: state.revoked
        ? { valid: false, code: "DISABLED", keyId: "key_bus", roles: [], permissions: [] }
        : { valid: true, code: "VALID", keyId: "key_bus", roles: [], permissions: [] },
    });
  }) as typeof globalThis.fetch;
  return { state, fetch };
}

describe("a half-open invalidation-bus connection (attacker review)", () => {
  it("is noticed by the heartbeat: logged once, the in-process cache emptied, the bus reconnected and heard again", async () => {
    const warnings: string[] = [];
    // This instance reaches Redis through the proxy; the revoking one directly.
    const behind = redisCache({
      url: proxy.url,
      secret: SECRET,
      timeoutMs: 1000,
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 200,
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    const direct = redisCache({ url: server.url, secret: SECRET, timeoutMs: 1000 });
    caches.push(behind, direct);
    await Promise.all([behind.ready(), direct.ready()]);
    const upstream = unkey();
    // A long TTL: without the heartbeat, the revoked key would be served for a minute.
    const cache = { ttlMs: 60_000 };
    const a = createVerifier({
      rootKey: "root",
      fetch: upstream.fetch,
      sharedCache: behind,
      cache,
      logger: quiet,
    });
    const b = createVerifier({
      rootKey: "root",
      fetch: upstream.fetch,
      sharedCache: direct,
      cache,
      logger: quiet,
    });

    expect((await a.verify(KEY)).code).toBe("VALID");
    expect(a.cached(KEY)?.valid).toBe(true);
    expect(proxy.subscribers()).toBe(1);
    // a's write to Redis is in the background: let it land before the revocation deletes it.
    await expect.poll(() => server.command("KEYS", "keyguard:e:*")).toMatch(/^\*1\r\n/);

    expect(proxy.stallSubscribers()).toBe(1);
    upstream.state.revoked = true;
    await b.invalidateKeyId("key_bus"); // published while a's subscriber hears nothing

    await expect.poll(() => a.cached(KEY), { timeout: 5000 }).toBeUndefined();
    expect((await a.verify(KEY)).code).toBe("DISABLED");
    const dead = () => warnings.filter((w) => w.includes("did not answer a ping"));
    expect(dead()).toHaveLength(1);
    expect(dead()[0]).not.toContain(KEY);

    // Reconnected: a new subscriber connection, and later invalidations reach a again.
    await expect.poll(() => proxy.subscribers(), { timeout: 5000 }).toBe(2);
    await expect
      .poll(() => warnings.filter((w) => w.includes("answers again")).length, { timeout: 5000 })
      .toBe(1);
    upstream.state.revoked = false;
    expect((await a.verify(`${KEY}-later`)).code).toBe("VALID");
    expect(a.cached(`${KEY}-later`)?.valid).toBe(true);
    await b.invalidateKeyId("key_bus");
    await expect.poll(() => a.cached(`${KEY}-later`), { timeout: 5000 }).toBeUndefined();
    expect(dead()).toHaveLength(1);
    expect(proxy.subscribers()).toBe(2); // heard on the bus, not emptied by another reconnect
  });

  it("a bus that stays dead is logged once, not at every reconnection, and its return once", async () => {
    const warnings: string[] = [];
    const proxy = await startStallingProxy(server.port); // its own: only this cache behind it
    const behind = redisCache({
      url: proxy.url,
      secret: SECRET,
      prefix: "stays-dead:",
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 100,
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    caches.push(behind);
    let flushes = 0;
    behind.subscribe({ message() {}, reconnected: () => flushes++ });
    await behind.ready();
    const before = proxy.subscribers(); // 1
    const flushed = flushes;
    proxy.stallSubscribers({ untilResumed: true });
    // Three more connections made, each of them silent after its SUBSCRIBE.
    await expect
      .poll(() => proxy.subscribers(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(before + 3);
    const count = (text: string) => warnings.filter((w) => w.includes(text)).length;
    expect(count("did not answer a ping")).toBe(1);
    expect(flushes - flushed).toBeGreaterThanOrEqual(3); // emptied at every dead connection
    proxy.resume();
    await expect.poll(() => count("answers again"), { timeout: 10_000 }).toBe(1);
    expect(count("did not answer a ping")).toBe(1);
    await behind.close();
    await proxy.close();
  });
});
