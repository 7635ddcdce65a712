import type { KeyContext } from "@keyguard/core";
import { type Emulator, GATEWAY_OUTAGE, startEmulator } from "@keyguard/emulator";
import { configErrorOf } from "@keyguard/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CONTEXT_HEADER, unkeyMiddleware, withUnkey } from "../src/index";
import { forwarded } from "./forwarded";

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "next" }));
});
afterAll(() => emulator?.stop());
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const upstream = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const createKey = (permissions: string[] = []) =>
  emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId, permissions });
const options = () => ({ rootKey: emulator.rootKey, baseUrl: emulator.url });
const get = (headers: Record<string, string> = {}) =>
  new Request("http://localhost/api/docs", { headers });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const ctx = { params: Promise.resolve({}) };
const echo = async (_request: Request, context: { unkey: KeyContext }) =>
  Response.json({ keyId: context.unkey.keyId, source: context.unkey.source });

describe("withUnkey", () => {
  it("hands the handler the key's context and Next's own context", async () => {
    const { key, keyId } = await createKey();
    const GET = withUnkey<Request, typeof ctx>(async (_request, context) => {
      expect(await context.params).toEqual({});
      return Response.json({ keyId: context.unkey.keyId });
    }, options());
    const response = await GET(get(bearer(key)), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keyId });
  });

  it("answers a denial with problem+json and never runs the handler", async () => {
    const handler = vi.fn(echo);
    const response = await withUnkey(handler, options())(get(), ctx);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 401, code: "MISSING_KEY" });
    expect(handler).not.toHaveBeenCalled();
  });

  it("shares one verifier (one cache) across route modules given the same options", async () => {
    const { key } = await createKey(["docs.read"]);
    const a = withUnkey(echo, { ...options(), permissions: "docs.read" });
    const b = withUnkey(echo, { ...options(), tags: ["route=b"] });
    expect(a.verifier).toBe(b.verifier);
    expect(withUnkey(echo, { ...options(), timeoutMs: 999 }).verifier).not.toBe(a.verifier);
    const before = upstream();
    expect((await a(get(bearer(key)), ctx)).status).toBe(200);
    expect(await (await b(get(bearer(key)), ctx)).json()).toMatchObject({ source: "cache" });
    expect(upstream() - before).toBe(1);
  });

  it("takes a verifier passed explicitly", async () => {
    const first = withUnkey(echo, { ...options(), timeoutMs: 1234 });
    expect(withUnkey(echo, { verifier: first.verifier, cost: 1 }).verifier).toBe(first.verifier);
  });

  it("refuses bad options at start-up, naming them", () => {
    expect(
      configErrorOf(() => withUnkey(echo, { ...options(), permission: "x" } as never)).option,
    ).toBe("permission");
    expect(
      configErrorOf(() => withUnkey(echo, { ...options(), contextSecret: "short" })).option,
    ).toBe("contextSecret");
    expect(
      configErrorOf(() => withUnkey(echo, { ...options(), permissions: "a AND" })).option,
    ).toBe("permissions");
  });

  it("adds the allow decision's headers to an immutable Response", async () => {
    // Well past the timeout since any answer an earlier test saw: an outage, not one failed call.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
    const { key } = await createKey();
    const GET = withUnkey(async () => Response.redirect("http://localhost/elsewhere", 307), {
      ...options(),
      failureMode: "open",
      timeoutMs: 1500,
    });
    emulator.setFault(GATEWAY_OUTAGE);
    try {
      const response = await GET(get(bearer(key)), ctx);
      expect(response.status).toBe(307);
      expect(response.headers.get("x-keyguard-fail-open")).not.toBeNull();
    } finally {
      emulator.setFault(null);
    }
  });
});

describe("unkeyMiddleware and the hand-off to route handlers", () => {
  it("denies with the same problem+json Response", async () => {
    const response = await unkeyMiddleware(options())(get(bearer("sk_nope")));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "NOT_FOUND" });
    expect(response.headers.get("x-middleware-next")).toBeNull();
  });

  it("hands the context on: the route checks its permissions locally, with no second call", async () => {
    const { key, keyId } = await createKey(["docs.read"]);
    const middleware = unkeyMiddleware({ ...options(), cache: false });
    const request = get(bearer(key));
    const before = upstream();
    const next = forwarded(await middleware(request), request);
    expect(upstream() - before).toBe(1);
    const read = withUnkey(echo, { ...options(), cache: false, permissions: "docs.read" });
    const write = withUnkey(echo, { ...options(), cache: false, permissions: "docs.write" });
    expect(await (await read(next, ctx)).json()).toMatchObject({ keyId, source: "cache" });
    expect((await write(next, ctx)).status).toBe(403);
    expect(upstream() - before).toBe(1);
  });

  it("a metered route verifies again: its cost must reach Unkey with its own verification", async () => {
    const { key } = await createKey();
    const request = get(bearer(key));
    const next = forwarded(await unkeyMiddleware(options())(request), request);
    const before = upstream();
    const metered = withUnkey(echo, { ...options(), cost: 1 });
    expect((await metered(next, ctx)).status).toBe(200);
    expect(upstream() - before).toBe(1);
  });

  it("deletes a client's own x-keyguard-context, also on skipped requests", async () => {
    const forged = { [CONTEXT_HEADER]: "forged.value" };
    const skipped = unkeyMiddleware({ ...options(), skip: () => true });
    const request = get(forged);
    expect(forwarded(await skipped(request), request).headers.get(CONTEXT_HEADER)).toBeNull();
    const { key } = await createKey();
    const guarded = get({ ...forged, ...bearer(key) });
    const passed = forwarded(await unkeyMiddleware(options())(guarded), guarded);
    expect(passed.headers.get(CONTEXT_HEADER)).not.toBe("forged.value");
    expect(passed.headers.get(CONTEXT_HEADER)).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it("never accepts a context it did not sign: a route verifies the request itself", async () => {
    const { key } = await createKey(["docs.read"]);
    const request = get(bearer(key));
    const sealed = forwarded(await unkeyMiddleware(options())(request), request).headers.get(
      CONTEXT_HEADER,
    ) as string;
    const [payload, mac] = sealed.split(".") as [string, string];
    const other = unkeyMiddleware({ ...options(), contextSecret: "another secret, 16+ chars" });
    const otherSealed = forwarded(await other(request), request).headers.get(CONTEXT_HEADER);
    // No cache: each verification the route makes itself is one upstream call, counted.
    const route = withUnkey(echo, { ...options(), cache: false });
    expect((await route(get({ [CONTEXT_HEADER]: sealed, ...bearer(key) }), ctx)).status).toBe(200);
    for (const value of [
      `${payload}x.${mac}`,
      `${payload}.${mac.slice(0, -2)}`,
      otherSealed as string,
      "e30.AAAA",
      "not base64!.x",
      `${payload}.${mac}.extra`,
    ]) {
      // With the key it was made for, so that only the value decides whether it is taken.
      const before = upstream();
      const response = await route(get({ [CONTEXT_HEADER]: value, ...bearer(key) }), ctx);
      expect(response.status, value).toBe(200);
      expect(upstream() - before, value).toBe(1);
    }
  });

  it("refuses a hand-off older than 30 s", async () => {
    const { key } = await createKey();
    const request = get(bearer(key));
    const next = forwarded(await unkeyMiddleware(options())(request), request);
    const route = withUnkey(echo, { ...options(), cache: false });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 29_000 });
    let before = upstream();
    expect((await route(next, ctx)).status).toBe(200);
    expect(upstream() - before).toBe(0);
    vi.setSystemTime(Date.now() + 2_000);
    before = upstream();
    expect((await route(next, ctx)).status).toBe(200);
    expect(upstream() - before).toBe(1);
  });

  it("needs a secret to sign with, named at start-up", () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "");
    vi.stubEnv("KEYGUARD_CONTEXT_SECRET", "");
    const { verifier } = withUnkey(echo, options());
    expect(configErrorOf(() => unkeyMiddleware({ verifier })).option).toBe("contextSecret");
  });
});
