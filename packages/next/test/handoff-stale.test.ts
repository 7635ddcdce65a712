import type { KeyContext } from "@keyguard/core";
import { type Emulator, GATEWAY_OUTAGE, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CONTEXT_HEADER, unkeyMiddleware, withUnkey } from "../src/index";
import { forwarded } from "./forwarded";

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "stale" }));
});
afterAll(() => emulator?.stop());
afterEach(() => {
  emulator.setFault(null);
  vi.useRealTimers();
});

const upstream = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const ctx = { params: Promise.resolve({}) };
const echo = async (_request: Request, context: { unkey: KeyContext }) =>
  Response.json({ keyId: context.unkey.keyId, source: context.unkey.source });

/**
 * A request the middleware let through during an outage on a stale answer: the key was
 * cached, the entry expired (fake clock), then Unkey failed.
 */
async function staleHandOff(middleware: (request: Request) => Promise<Response>) {
  const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
    apiId,
  });
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  const url = "http://localhost/api/docs";
  const fresh = new Request(url, { headers: { authorization: `Bearer ${key}` } });
  expect((await middleware(fresh)).headers.get("x-middleware-next")).toBe("1");
  vi.setSystemTime(Date.now() + 5_000);
  emulator.setFault(GATEWAY_OUTAGE);
  const request = new Request(url, { headers: { authorization: `Bearer ${key}` } });
  const next = forwarded(await middleware(request), request);
  expect(next.headers.get(CONTEXT_HEADER)).not.toBeNull();
  return { next, keyId };
}

describe("a stale hand-off (the middleware served an expired entry during an outage)", () => {
  const stale = () => ({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    cache: { ttlMs: 1_000 },
    staleIfErrorMs: 60_000,
  });

  it("is refused by a route without staleIfErrorMs: it verifies itself and answers 503", async () => {
    const { next } = await staleHandOff(unkeyMiddleware(stale()));
    const route = withUnkey(echo, { rootKey: emulator.rootKey, baseUrl: emulator.url });
    const before = upstream();
    const response = await route(next, ctx);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
    expect(upstream() - before).toBe(1);
  });

  it("is taken by a route that would serve stale itself, with no upstream call", async () => {
    const { next, keyId } = await staleHandOff(unkeyMiddleware(stale()));
    const route = withUnkey(echo, { ...stale(), cache: { ttlMs: 2_000 } });
    const before = upstream();
    const response = await route(next, ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keyId, source: "stale" });
    expect(upstream() - before).toBe(0);
  });
});
