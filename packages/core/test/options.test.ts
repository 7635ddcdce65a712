import { afterEach, describe, expect, it, vi } from "vitest";
import { createGuard } from "../src/adapter";
import { createVerifier, PermissionQuerySyntaxError, type VerifierOptions } from "../src/index";
import { VERIFIER_DEFAULTS } from "../src/options/verifier-options";
import { configError } from "./config-error";
import { fakeUnkey, ROOT_KEY, validAnswer } from "./fake-unkey";

afterEach(() => {
  vi.unstubAllEnvs();
});

const fetchStub = fakeUnkey(() => validAnswer()).fetch;

describe("createVerifier options", () => {
  it("refuses a missing root key, naming rootKey", () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "");
    const error = configError(() => createVerifier({ fetch: fetchStub }));
    expect(error.option).toBe("rootKey");
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toContain("UNKEY_ROOT_KEY");
    expect(configError(() => createVerifier({ rootKey: "  " })).option).toBe("rootKey");
  });

  it.each<[string, VerifierOptions]>([
    ["cache.ttlMs", { cache: { ttlMs: -1 } }],
    ["cache.ttlMs", { cache: { ttlMs: Number.NaN } }],
    ["cache.negativeTtlMs", { cache: { negativeTtlMs: -5 } }],
    ["cache.max", { cache: { max: 0 } }],
    ["cache.max", { cache: { max: 1.5 } }],
    ["cache", { cache: "yes" as unknown as false }],
    ["baseUrl", { baseUrl: "not a url" }],
    ["baseUrl", { baseUrl: "ftp://api.unkey.com" }],
    ["failureMode", { failureMode: "maybe" as unknown as "open" }],
    ["timeoutMs", { timeoutMs: 0 }],
    ["timeoutMs", { timeoutMs: -100 }],
    ["staleIfErrorMs", { staleIfErrorMs: -1 }],
    ["fetch", { fetch: "fetch" as unknown as typeof globalThis.fetch }],
    ["logger", { logger: {} as unknown as Console }],
  ])("rejects a bad %s", (option, bad) => {
    const error = configError(() => createVerifier({ rootKey: ROOT_KEY, ...bad }));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`\`${option}\``);
  });

  it("never puts the root key in an error message", () => {
    const error = configError(() => createVerifier({ rootKey: ROOT_KEY, baseUrl: "nope" }));
    expect(error.message).not.toContain(ROOT_KEY);
  });

  it("applies the documented defaults", () => {
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: fetchStub });
    expect(verifier.options).toMatchObject({
      verifyUrl: "https://api.unkey.com/v2/keys.verifyKey",
      timeoutMs: VERIFIER_DEFAULTS.timeoutMs,
      cache: { ttlMs: 5000, negativeTtlMs: 1000, max: 10_000 },
      failureMode: "closed",
      staleIfErrorMs: 0,
    });
    expect(VERIFIER_DEFAULTS.timeoutMs).toBeLessThanOrEqual(2000);
    expect(verifier.failureMode).toBe("closed");
  });

  it("reads UNKEY_ROOT_KEY and UNKEY_BASE_URL from the environment", async () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "unkey_from_env");
    vi.stubEnv("UNKEY_BASE_URL", "http://127.0.0.1:9/");
    const unkey = fakeUnkey(() => validAnswer());
    const verifier = createVerifier({ fetch: unkey.fetch });
    await verifier.verify("sk_1");
    expect(unkey.calls[0]?.authorization).toBe("Bearer unkey_from_env");
    expect(unkey.calls[0]?.url).toBe("http://127.0.0.1:9/v2/keys.verifyKey");
  });

  it("prefers explicit options over the environment", async () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "unkey_from_env");
    vi.stubEnv("UNKEY_BASE_URL", "http://127.0.0.1:9");
    const unkey = fakeUnkey(() => validAnswer());
    const verifier = createVerifier({
      rootKey: ROOT_KEY,
      baseUrl: "https://example.test",
      fetch: unkey.fetch,
    });
    await verifier.verify("sk_1");
    expect(unkey.calls[0]?.authorization).toBe(`Bearer ${ROOT_KEY}`);
    expect(unkey.calls[0]?.url).toBe("https://example.test/v2/keys.verifyKey");
  });
});

describe("createGuard options", () => {
  it("rejects a bad app-wide permission query at creation, naming it and the position", () => {
    const error = configError(() =>
      createGuard({ rootKey: ROOT_KEY, fetch: fetchStub, permissions: "a AND" }),
    );
    expect(error.option).toBe("permissions");
    expect(error.cause).toBeInstanceOf(PermissionQuerySyntaxError);
    expect((error.cause as PermissionQuerySyntaxError).position).toBe(5);
    expect(error.message).toContain("position 5");
  });

  it("rejects a bad route permission query in route(), naming the option and position", () => {
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: fetchStub });
    const error = configError(() => guard.route({ permissions: "docs.read @ x" }, "route."));
    expect(error.option).toBe("route.permissions");
    expect((error.cause as PermissionQuerySyntaxError).position).toBe(10);
    expect(error.message).toContain("position 10");
  });

  it.each<[string, Record<string, unknown>]>([
    ["cost", { cost: -1 }],
    ["tags", { tags: ["ok", ""] }],
    ["ratelimits[0].name", { ratelimits: [{ name: "" }] }],
    ["ratelimits[0].limit", { ratelimits: [{ name: "requests", limit: 1.5, duration: 1000 }] }],
  ])("rejects a bad route %s", (option, bad) => {
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: fetchStub });
    expect(configError(() => guard.route(bad)).option).toBe(option);
  });

  it("rejects verifier options combined with a ready verifier", () => {
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: fetchStub });
    expect(configError(() => createGuard({ verifier, rootKey: ROOT_KEY })).option).toBe("rootKey");
    expect(configError(() => createGuard({ verifier, cache: false })).option).toBe("cache");
    expect(() => createGuard({ verifier })).not.toThrow();
  });

  it("rejects a verifier that is not one, bad keySources and bad preflight", () => {
    expect(
      configError(() => createGuard({ verifier: {} as ReturnType<typeof createVerifier> })).option,
    ).toBe("verifier");
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: fetchStub });
    expect(configError(() => createGuard({ verifier, keySources: [] })).option).toBe("keySources");
    expect(
      configError(() => createGuard({ verifier, keySources: [{ header: "x", scheme: "a b" }] }))
        .option,
    ).toBe("keySources[0].scheme");
    expect(
      configError(() => createGuard({ verifier, preflight: "skip" as unknown as "allow" })).option,
    ).toBe("preflight");
  });
});
