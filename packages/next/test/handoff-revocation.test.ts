import type { KeyContext, Verifier } from "@keyguard/core";
import { createVerifier } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CONTEXT_HEADER, unkeyProxy, withUnkey } from "../src/index";
import { forwarded } from "./forwarded";

// A captured hand-off replayed, with its key, where the proxy does not run (Next's "skip
// prefetches" matcher), after the key was revoked: what the attacker review's probe did.
const PREFETCH = { "next-router-prefetch": "1", purpose: "prefetch" };
const URL_ = "http://localhost/api/docs";

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "revocation" }));
});
afterAll(() => emulator?.stop());
afterEach(() => vi.useRealTimers());

const upstream = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const ctx = { params: Promise.resolve({}) };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const echo = async (_request: Request, context: { unkey: KeyContext }) =>
  Response.json({ keyId: context.unkey.keyId, source: context.unkey.source });
const createKey = () => emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId });
const disable = (keyId: string) => emulator.call("keys.updateKey", { keyId, enabled: false });

/** The `x-keyguard-context` value the proxy forwarded for `key`. */
async function capture(proxy: (request: Request) => Promise<Response>, key: string) {
  const request = new Request(URL_, { headers: bearer(key) });
  const value = forwarded(await proxy(request), request).headers.get(CONTEXT_HEADER);
  expect(value).toMatch(/^[\w-]+\.[\w-]+$/);
  return value as string;
}

const replay = (value: string, key: string) =>
  new Request(URL_, { headers: { ...PREFETCH, [CONTEXT_HEADER]: value, ...bearer(key) } });

describe("a hand-off signed before the route's verifier forgot what it knew", () => {
  const options = () => ({ rootKey: emulator.rootKey, baseUrl: emulator.url });
  const forget: [string, (verifier: Verifier, key: string, keyId: string) => unknown][] = [
    ["invalidateKeyId(keyId)", (verifier, _key, keyId) => verifier.invalidateKeyId(keyId)],
    ["invalidate(key)", (verifier, key) => verifier.invalidate(key)],
    ["clear()", (verifier) => verifier.clear()],
  ];

  it.each(forget)(
    "after %s, is not taken: the revoked key is refused 401 DISABLED",
    async (_, call) => {
      const { key, keyId } = await createKey();
      // The same options: proxy and route share one verifier, as in a default app.
      const proxy = unkeyProxy(options());
      const route = withUnkey(echo, options());
      expect(route.verifier).toBe(proxy.verifier);
      const value = await capture(proxy, key);
      expect((await route(replay(value, key), ctx)).status).toBe(200);

      await disable(keyId);
      await call(route.verifier, key, keyId);
      const before = upstream();
      const response = await route(replay(value, key), ctx);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: "DISABLED" });
      expect(upstream() - before).toBe(1);
    },
  );

  it("signed after the invalidation, is taken (an invalidation refuses only what predates it)", async () => {
    const { key, keyId } = await createKey();
    const proxy = unkeyProxy(options());
    const route = withUnkey(echo, options());
    await route.verifier.invalidateKeyId(keyId);
    // The next millisecond: a hand-off signed in the invalidation's millisecond is refused.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 1 });
    const value = await capture(proxy, key);
    const before = upstream();
    const response = await route(replay(value, key), ctx);
    expect(await response.json()).toEqual({ keyId, source: "cache" });
    expect(upstream() - before).toBe(0);
  });
});

describe("a hand-off's age", () => {
  // The proxy asks Unkey on every request and the route has a cache of its own, empty for the
  // key: every verification the route makes is one upstream call, counted.
  const proxyOptions = () => ({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    cache: false as const,
  });
  const routeOptions = (ttlMs: number) => ({ ...proxyOptions(), cache: { ttlMs } });

  it("is at most the route's cache.ttlMs: a key revoked at Unkey (no invalidate) is refused then", async () => {
    const { key, keyId } = await createKey();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const value = await capture(unkeyProxy(proxyOptions()), key);
    const route = withUnkey(echo, routeOptions(2_000));
    await disable(keyId);

    vi.setSystemTime(Date.now() + 1_999);
    let before = upstream();
    expect((await route(replay(value, key), ctx)).status).toBe(200);
    expect(upstream() - before).toBe(0);

    vi.setSystemTime(Date.now() + 1);
    before = upstream();
    const response = await route(replay(value, key), ctx);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "DISABLED" });
    expect(upstream() - before).toBe(1);
  });

  it("is still at most 30 s for a route whose cache.ttlMs is longer", async () => {
    const { key } = await createKey();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const value = await capture(unkeyProxy(proxyOptions()), key);
    const route = withUnkey(echo, routeOptions(60_000));
    vi.setSystemTime(Date.now() + 29_999);
    let before = upstream();
    expect((await route(replay(value, key), ctx)).status).toBe(200);
    expect(upstream() - before).toBe(0);
    vi.setSystemTime(Date.now() + 1);
    before = upstream();
    expect((await route(replay(value, key), ctx)).status).toBe(200);
    expect(upstream() - before).toBe(1);
  });
});

describe("a hand-off signed ahead of the route's clock", () => {
  const options = () => ({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    cache: false as const,
  });

  it("is taken up to 1 s ahead (clock skew), refused beyond: it could dodge an invalidation", async () => {
    const { key } = await createKey();
    const now = Date.now();
    const route = withUnkey(echo, options());
    vi.useFakeTimers({ toFake: ["Date"], now: now + 1_000 });
    const skewed = await capture(unkeyProxy(options()), key);
    vi.setSystemTime(now + 1_001);
    const ahead = await capture(unkeyProxy(options()), key);

    vi.setSystemTime(now);
    let before = upstream();
    expect((await route(replay(skewed, key), ctx)).status).toBe(200);
    expect(upstream() - before).toBe(0);
    before = upstream();
    expect((await route(replay(ahead, key), ctx)).status).toBe(200);
    expect(upstream() - before).toBe(1);
  });
});

describe("a taken hand-off's source", () => {
  it('is "cache", never "upstream": Unkey answered the proxy earlier, not this request', async () => {
    const { key, keyId } = await createKey();
    const options = { rootKey: emulator.rootKey, baseUrl: emulator.url, cache: false as const };
    const request = new Request(URL_, { headers: bearer(key) });
    const next = forwarded(await unkeyProxy(options)(request), request);
    const route = withUnkey(echo, options);
    const before = upstream();
    const response = await route(next, ctx);
    expect(await response.json()).toEqual({ keyId, source: "cache" });
    expect(upstream() - before).toBe(0);
  });
});

describe("a route on a verifier-like object of your own without invalidatedAt()", () => {
  it("takes no hand-off (it cannot tell one from before a revocation): it verifies itself", async () => {
    const { key, keyId } = await createKey();
    const real = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url, cache: false });
    const { invalidatedAt: _, ...withoutClock } = real;
    const verifier = withoutClock as unknown as Verifier;
    const contextSecret = "a-context-secret-of-32-characters";
    const value = await capture(unkeyProxy({ verifier, contextSecret }), key);
    const route = withUnkey(echo, { verifier, contextSecret });
    const before = upstream();
    const response = await route(replay(value, key), ctx);
    expect(await response.json()).toEqual({ keyId, source: "upstream" });
    expect(upstream() - before).toBe(1);
  });
});
