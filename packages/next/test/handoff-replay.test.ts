import type { KeyContext } from "@keyguard/core";
import { type Emulator, GATEWAY_OUTAGE, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createBinder } from "../src/binding";
import { createNextGuard } from "../src/guard";
import { sealContext } from "../src/handoff";
import { CONTEXT_HEADER, unkeyMiddleware, type WithUnkeyOptions, withUnkey } from "../src/index";
import { forwarded } from "./forwarded";

afterEach(() => {
  vi.useRealTimers();
});

// A captured hand-off sent straight to a route handler: what reaches it wherever the
// middleware does not run. Next's documented matcher for skipping prefetches (`missing`
// these headers) is the one the attacker review used.
const PREFETCH = { "next-router-prefetch": "1", purpose: "prefetch" };
const URL_ = "http://localhost/api/admin";

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "replay" }));
});
afterAll(() => emulator?.stop());

const upstream = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const createKey = (permissions: string[] = []) =>
  emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId, permissions });
const ctx = { params: Promise.resolve({}) };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
// `cache: false`: every verification the route makes itself is one upstream call, counted.
const options = () => ({ rootKey: emulator.rootKey, baseUrl: emulator.url, cache: false as const });

function echoing() {
  return vi.fn(async (_request: Request, context: { unkey: KeyContext }) =>
    Response.json({ keyId: context.unkey.keyId, source: context.unkey.source }),
  );
}

/** The `x-keyguard-context` value the middleware forwarded for a request with these headers. */
async function capture(
  middleware: (request: Request) => Promise<Response>,
  headers: Record<string, string>,
): Promise<string> {
  const request = new Request(URL_, { headers });
  const value = forwarded(await middleware(request), request).headers.get(CONTEXT_HEADER);
  expect(value).toMatch(/^[\w-]+\.[\w-]+$/);
  return value as string;
}

/** The captured value replayed straight to the route, with `headers` besides. */
const replay = (value: string, headers: Record<string, string> = {}) =>
  new Request(URL_, { headers: { ...PREFETCH, [CONTEXT_HEADER]: value, ...headers } });

describe("a captured hand-off replayed where the middleware does not run", () => {
  it("with no key: not taken, the route answers 401 MISSING_KEY and its handler never runs", async () => {
    const admin = await createKey(["admin"]);
    const middleware = unkeyMiddleware(options());
    const value = await capture(middleware, bearer(admin.key));
    const handler = echoing();
    const route = withUnkey(handler, { ...options(), permissions: "admin" });
    const response = await route(replay(value), ctx);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
    expect(handler).not.toHaveBeenCalled();
  });

  it("with another valid key: that key's own verification decides, and its context is the handler's", async () => {
    const admin = await createKey(["admin"]);
    const other = await createKey(["docs.read"]);
    const value = await capture(unkeyMiddleware(options()), bearer(admin.key));
    const adminOnly = withUnkey(echoing(), { ...options(), permissions: "admin" });
    const anyKey = withUnkey(echoing(), options());

    let before = upstream();
    const refused = await adminOnly(replay(value, bearer(other.key)), ctx);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS" });
    expect(upstream() - before).toBe(1);

    before = upstream();
    const passed = await anyKey(replay(value, bearer(other.key)), ctx);
    expect(passed.status).toBe(200);
    expect(await passed.json()).toEqual({ keyId: other.keyId, source: "upstream" });
    expect(upstream() - before).toBe(1);
  });

  it("with the key it was made for: taken, with no second upstream call", async () => {
    const admin = await createKey(["admin"]);
    const value = await capture(unkeyMiddleware(options()), bearer(admin.key));
    const route = withUnkey(echoing(), { ...options(), permissions: "admin" });
    const before = upstream();
    const response = await route(replay(value, bearer(admin.key)), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keyId: admin.keyId, source: "cache" });
    expect(upstream() - before).toBe(0);
  });

  it("with the key in another of the route's key sources: still that key, still taken", async () => {
    const admin = await createKey();
    const value = await capture(unkeyMiddleware(options()), bearer(admin.key));
    const route = withUnkey(echoing(), options());
    const before = upstream();
    const response = await route(replay(value, { "x-api-key": admin.key }), ctx);
    expect(await response.json()).toEqual({ keyId: admin.keyId, source: "cache" });
    expect(upstream() - before).toBe(0);
  });

  it("read with getKey: no key is 401, another key is verified as that key", async () => {
    const getKey = (request: Request) => request.headers.get("x-custom-key");
    const admin = await createKey();
    const other = await createKey();
    const value = await capture(unkeyMiddleware({ ...options(), getKey }), {
      "x-custom-key": admin.key,
    });
    const route = withUnkey(echoing(), { ...options(), getKey });

    const none = await route(replay(value), ctx);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: "MISSING_KEY" });
    const another = await route(replay(value, { "x-custom-key": other.key }), ctx);
    expect(await another.json()).toEqual({ keyId: other.keyId, source: "upstream" });
    const before = upstream();
    const same = await route(replay(value, { "x-custom-key": admin.key }), ctx);
    expect(await same.json()).toEqual({ keyId: admin.keyId, source: "cache" });
    expect(upstream() - before).toBe(0);
  });
});

/**
 * A fail-open hand-off as the middleware signed them before it stopped handing them on (and
 * as any middleware holding the context secret could): sealed for `key`, on URL_, for a route
 * verifying with `options`.
 */
async function sealedFailOpen(options: WithUnkeyOptions, key: string): Promise<string> {
  const guard = createNextGuard(options);
  const binding = await createBinder(guard, false)(new Request(URL_), key);
  const context: KeyContext = { keyId: "", permissions: [], roles: [], source: "fail-open" };
  return sealContext(context, emulator.rootKey, binding);
}

describe("a fail-open hand-off signed during an outage (no key was verified)", () => {
  const MADE_UP = "sk_made_up_during_outage";
  // Each test its own verifier (the timeout tells them apart): a verifier that heard from
  // Unkey within its timeout calls a failure that call's own, not an outage, and never
  // fails open on it.
  const open = (timeoutMs: number) => ({ ...options(), failureMode: "open" as const, timeoutMs });

  it("is never taken: once Unkey is back, the made-up key it was bound to is refused", async () => {
    const handler = echoing();
    const route = withUnkey(handler, open(500));
    const value = await sealedFailOpen(open(500), MADE_UP);
    const before = upstream();
    const response = await route(replay(value, bearer(MADE_UP)), ctx);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "NOT_FOUND" });
    expect(handler).not.toHaveBeenCalled();
    expect(upstream() - before).toBe(1);
  });

  it("while the outage lasts, the route tries Unkey itself and fails open on its own account", async () => {
    // Well past the timeout since any answer an earlier test saw: an outage, not one failed call.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
    const route = withUnkey(echoing(), open(501));
    const value = await sealedFailOpen(open(501), "sk_made_up_meanwhile");
    emulator.setFault(GATEWAY_OUTAGE);
    try {
      const before = upstream();
      const response = await route(replay(value, bearer("sk_made_up_meanwhile")), ctx);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-keyguard-fail-open")).toBe("true");
      expect(await response.json()).toEqual({ keyId: "", source: "fail-open" });
      expect(upstream() - before).toBe(1);
    } finally {
      emulator.setFault(null);
    }
  });

  it("is not what the middleware hands on any more: a fail-open pass forwards no context", async () => {
    // Well past the timeout since any answer an earlier test saw: an outage, not one failed call.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
    const middleware = unkeyMiddleware(open(502));
    emulator.setFault(GATEWAY_OUTAGE);
    try {
      const request = new Request(URL_, { headers: bearer(MADE_UP) });
      const next = forwarded(await middleware(request), request);
      expect(next.headers.get(CONTEXT_HEADER)).toBeNull();
    } finally {
      emulator.setFault(null);
    }
  });
});
