import type { KeyContext } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { configErrorOf } from "@keyguard/test-support";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { unkeyMiddleware, withUnkey } from "../src/index";
import { forwarded } from "./forwarded";

// `next build` evaluates route modules with NEXT_PHASE set to this (next/constants).
const PHASE_PRODUCTION_BUILD = "phase-production-build";

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "next-build" }));
});
afterAll(() => emulator?.stop());
beforeEach(() => {
  // The build environment has no secret.
  vi.stubEnv("UNKEY_ROOT_KEY", "");
  vi.stubEnv("KEYGUARD_CONTEXT_SECRET", "");
});
afterEach(() => vi.unstubAllEnvs());

const ctx = { params: Promise.resolve({}) };
const echo = async (_request: Request, context: { unkey: KeyContext }) =>
  Response.json({ keyId: context.unkey.keyId, source: context.unkey.source });
const get = (key: string) =>
  new Request("http://localhost/api/docs", { headers: { authorization: `Bearer ${key}` } });
/** What the server that serves the build has: the secret, and Unkey's URL. */
const serverEnv = () => {
  vi.stubEnv("UNKEY_ROOT_KEY", emulator.rootKey);
  vi.stubEnv("UNKEY_BASE_URL", emulator.url);
};

describe("during `next build` (NEXT_PHASE=phase-production-build)", () => {
  beforeEach(() => vi.stubEnv("NEXT_PHASE", PHASE_PRODUCTION_BUILD));

  it("withUnkey() and unkeyMiddleware() load without a root key", () => {
    expect(() => withUnkey(echo, { permissions: "docs.read" })).not.toThrow();
    expect(() => unkeyMiddleware({ permissions: "docs.read" })).not.toThrow();
  });

  it("still refuses bad option names and values at load, naming them", () => {
    const refused = (options: object) => configErrorOf(() => withUnkey(echo, options)).option;
    expect(refused({ permission: "x" })).toBe("permission");
    expect(refused({ permissions: "a AND" })).toBe("permissions");
    expect(refused({ cache: { ttlMs: -1 } })).toBe("cache.ttlMs");
    expect(refused({ timeoutMs: "5s" })).toBe("timeoutMs");
    expect(refused({ keySources: [{ header: "" }] })).toMatch(/^keySources/);
    expect(refused({ preflight: "maybe" })).toBe("preflight");
    expect(refused({ rootKey: 42 })).toBe("rootKey");
    expect(refused({ sharedCache: {} })).toMatch(/^sharedCache/);
    expect(refused({ contextSecret: "short" })).toBe("contextSecret");
    expect(configErrorOf(() => unkeyMiddleware({ cache: { max: 0.5 } })).option).toBe("cache.max");
  });

  it("creates the verifier at the first request, with the root key the environment has then", async () => {
    const GET = withUnkey(echo, { permissions: "docs.read" });
    serverEnv();
    const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
      permissions: ["docs.read"],
    });
    const response = await GET(get(key), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ keyId });
    expect(GET.verifier.rootKeyDigest).toBe(withUnkey(echo).verifier.rootKeyDigest);
  });

  it("hands off from middleware to route with the secret read at the first request", async () => {
    const middleware = unkeyMiddleware();
    const GET = withUnkey(echo, { permissions: "docs.read" });
    serverEnv();
    const { key } = await emulator.call<{ key: string }>("keys.createKey", {
      apiId,
      permissions: ["docs.read"],
    });
    const before = emulator.stats().calls["keys.verifyKey"] ?? 0;
    const passed = await middleware(get(key));
    const routed = await GET(forwarded(passed, get(key)), ctx);
    expect(routed.status).toBe(200);
    expect((emulator.stats().calls["keys.verifyKey"] ?? 0) - before).toBe(1);
  });

  it("a request served with still no root key is refused by a thrown config error, never let through", async () => {
    const handler = vi.fn(echo);
    // Options of their own: the process-wide verifier for `{}` may exist already (shared-verifier.ts).
    const GET = withUnkey(handler, { timeoutMs: 4321 });
    await expect(GET(get("sk_any"), ctx)).rejects.toMatchObject({
      name: "KeyguardConfigError",
      option: "rootKey",
    });
    expect(handler).not.toHaveBeenCalled();
  });
});

describe.each([undefined, "phase-production-server", "phase-development-server"])(
  "outside the build (NEXT_PHASE=%s)",
  (phase) => {
    it("a missing root key still fails when the module loads, naming rootKey", () => {
      if (phase !== undefined) vi.stubEnv("NEXT_PHASE", phase);
      // Options of their own: the process-wide verifier for `{}` exists already (shared-verifier.ts).
      expect(configErrorOf(() => withUnkey(echo, { timeoutMs: 1234 })).option).toBe("rootKey");
      expect(configErrorOf(() => unkeyMiddleware()).option).toBe("contextSecret");
    });
  },
);
