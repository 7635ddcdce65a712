import type { KeyContext } from "@keyguard/core";
import { type Emulator, GATEWAY_OUTAGE, startEmulator } from "@keyguard/emulator";
import { configErrorOf } from "@keyguard/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CONTEXT_HEADER, createVerifier, unkeyMiddleware, withUnkey } from "../src/index";
import { forwarded } from "./forwarded";

// One workspace, two APIs: customers' keys and staff keys, each with a root key scoped to it.
const PUBLIC_ROOT = "root_public_only_aaaaaaaaaaaaaaaa";
const ADMIN_ROOT = "root_admin_only_bbbbbbbbbbbbbbbbb";
const CUSTOMER_KEY = "cust_key_1234567890abcdef";
const STAFF_KEY = "staff_key_1234567890abcdef";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    seed: {
      rootKeys: [
        { key: PUBLIC_ROOT, permissions: ["api.api_public.verify_key"] },
        { key: ADMIN_ROOT, permissions: ["api.api_admin.verify_key"] },
      ],
      apis: [
        { id: "api_public", name: "public", keys: [{ key: CUSTOMER_KEY }] },
        { id: "api_admin", name: "admin", keys: [{ key: STAFF_KEY }] },
      ],
    },
  });
});
afterAll(() => emulator?.stop());
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const upstream = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const ctx = { params: Promise.resolve({}) };
const echo = async (_request: Request, context: { unkey: KeyContext }) =>
  Response.json({ keyId: context.unkey.keyId, source: context.unkey.source });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A request through `middleware`, as Next forwards it to the route (or the middleware's denial). */
async function throughMiddleware(
  middleware: (request: Request) => Promise<Response>,
  url: string,
  init: RequestInit = {},
): Promise<Request> {
  const request = new Request(url, init);
  return forwarded(await middleware(request), request);
}

describe("the hand-off is bound to the verifying side and to the request", () => {
  it("a route with another root key or other key sources verifies the request itself", async () => {
    // The app's middleware: the public API's root key, from the environment.
    vi.stubEnv("UNKEY_ROOT_KEY", PUBLIC_ROOT);
    vi.stubEnv("UNKEY_BASE_URL", emulator.url);
    const middleware = unkeyMiddleware();
    const adminVerifier = createVerifier({ rootKey: ADMIN_ROOT, baseUrl: emulator.url });
    const admin = withUnkey(echo, { verifier: adminVerifier });
    const adminHeader = withUnkey(echo, { keySources: [{ header: "x-admin-key" }] });
    const url = "http://localhost/api/admin";

    const customer = await throughMiddleware(middleware, url, { headers: bearer(CUSTOMER_KEY) });
    const before = upstream();
    const refused = await admin(customer, ctx);
    expect(refused.status).toBe(401);
    expect(upstream() - before).toBe(1);
    const noAdminKey = await adminHeader(customer, ctx);
    expect(noAdminKey.status).toBe(401);
    expect(await noAdminKey.json()).toMatchObject({ code: "MISSING_KEY" });
  });

  it("a key valid for the route still passes there, verified by the route", async () => {
    const middleware = unkeyMiddleware({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    const adminVerifier = createVerifier({ rootKey: ADMIN_ROOT, baseUrl: emulator.url });
    const admin = withUnkey(echo, { verifier: adminVerifier });
    const url = "http://localhost/api/admin";
    const staff = await throughMiddleware(middleware, url, { headers: bearer(STAFF_KEY) });
    expect(staff.headers.get(CONTEXT_HEADER)).not.toBeNull();
    const before = upstream();
    const response = await admin(staff, ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ source: "upstream" });
    expect(upstream() - before).toBe(1);
  });

  it("a hand-off made for one method and path is not taken on another", async () => {
    // No cache: each verification the route makes itself is one upstream call, counted.
    const options = { rootKey: PUBLIC_ROOT, baseUrl: emulator.url, cache: false as const };
    const middleware = unkeyMiddleware(options);
    const route = withUnkey(echo, options);
    const docs = await throughMiddleware(middleware, "http://localhost/api/docs", {
      headers: bearer(CUSTOMER_KEY),
    });
    const value = docs.headers.get(CONTEXT_HEADER) as string;
    // Where it was made for, it is taken with no second call.
    let before = upstream();
    expect((await route(docs, ctx)).status).toBe(200);
    expect(upstream() - before).toBe(0);
    for (const [url, method] of [
      ["http://localhost/api/admin", "GET"],
      ["http://localhost/api/docs/", "GET"],
      ["http://localhost/api/docs", "DELETE"],
    ] as const) {
      // With the key it was made for: only the method or path differs, and the route verifies.
      const headers = { [CONTEXT_HEADER]: value, ...bearer(CUSTOMER_KEY) };
      before = upstream();
      const response = await route(new Request(url, { method, headers }), ctx);
      expect(response.status, `${method} ${url}`).toBe(200);
      expect(upstream() - before, `${method} ${url}`).toBe(1);
    }
  });

  it("the root key's digest tells verifiers apart and never contains the key", () => {
    const a = createVerifier({ rootKey: PUBLIC_ROOT, baseUrl: emulator.url });
    const b = createVerifier({ rootKey: ADMIN_ROOT, baseUrl: emulator.url });
    const again = createVerifier({ rootKey: PUBLIC_ROOT, baseUrl: emulator.url, timeoutMs: 999 });
    expect(a.rootKeyDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(a.rootKeyDigest).not.toBe(b.rootKeyDigest);
    expect(again.rootKeyDigest).toBe(a.rootKeyDigest);
    expect(JSON.stringify(a)).not.toContain(PUBLIC_ROOT);
  });
});

describe("a fail-open pass in the middleware", () => {
  it("hands nothing on: every route verifies itself, and fails open only on its own account", async () => {
    // Well past the timeout since any answer an earlier test saw: an outage, not one failed call.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
    const base = { rootKey: PUBLIC_ROOT, baseUrl: emulator.url, timeoutMs: 500 };
    const garbage = bearer("not_a_real_key_at_all");
    const middleware = unkeyMiddleware({ ...base, failureMode: "open" });
    const closed = withUnkey(echo, base);
    const open = withUnkey(echo, { ...base, failureMode: "open" });
    emulator.setFault(GATEWAY_OUTAGE);
    try {
      const url = "http://localhost/api/plain";
      const next = await throughMiddleware(middleware, url, { headers: garbage });
      expect(next.headers.get(CONTEXT_HEADER)).toBeNull();
      const response = await closed(next, ctx);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
      // A route that fails open itself tries Unkey (one call) and passes, flagged.
      const before = upstream();
      const passed = await open(next, ctx);
      expect(passed.status).toBe(200);
      expect(await passed.json()).toMatchObject({ keyId: "", source: "fail-open" });
      expect(upstream() - before).toBe(1);
    } finally {
      emulator.setFault(null);
    }
  });
});

describe("KEYGUARD_CONTEXT_SECRET", () => {
  it("is refused at start-up when shorter than 16 characters, named, never echoed", () => {
    const value = "short-secret-1";
    vi.stubEnv("KEYGUARD_CONTEXT_SECRET", value);
    const options = { rootKey: PUBLIC_ROOT, baseUrl: emulator.url };
    for (const start of [() => withUnkey(echo, options), () => unkeyMiddleware(options)]) {
      const error = configErrorOf(start);
      expect(error.option).toBe("KEYGUARD_CONTEXT_SECRET");
      expect(error.message).toMatch(/at least 16 characters/);
      expect(error.message).not.toContain(value);
    }
    vi.stubEnv("KEYGUARD_CONTEXT_SECRET", "a-long-enough-secret");
    expect(() => unkeyMiddleware(options)).not.toThrow();
  });
});
