import { describe, expect, it } from "vitest";
import { createRatelimitGuard, identifyHelpers } from "../src/adapter";
import { RatelimitIdentifierError } from "../src/index";

interface FakeRequest {
  ip?: string;
  headers: Record<string, string>;
  keyId?: string;
}

const identify = identifyHelpers<FakeRequest>({
  ip: (request) => request.ip,
  header: (request, name) => request.headers[name],
  keyId: (request) => request.keyId,
});

describe("identify helpers", () => {
  it("read the IP, a header (any case) and the key id", () => {
    const request = { ip: "203.0.113.7", headers: { "x-tenant": "acme" }, keyId: "key_1" };
    expect(identify.ip()(request)).toBe("203.0.113.7");
    expect(identify.header("X-Tenant")(request)).toBe("acme");
    expect(identify.keyId()(request)).toBe("key_1");
  });

  it("escape compound parts, so that two splits of one string never share a counter", async () => {
    const parts = (a: string, b: string) =>
      identify.compound(
        () => a,
        () => Promise.resolve(b),
      )({ headers: {} });
    expect(await parts("a:b", "c")).toBe("a%3Ab:c");
    expect(await parts("a", "b:c")).toBe("a:b%3Ac");
  });

  it.each([
    ["ip()", identify.ip(), /ip\(\) is missing/],
    ["keyId()", identify.keyId(), /put the key guard first/],
    ["header()", identify.header("x-user"), /header\("x-user"\) is missing/],
  ])("%s throws a RatelimitIdentifierError when its input is absent", (_name, read, message) => {
    expect(() => read({ headers: {} })).toThrow(RatelimitIdentifierError);
    expect(() => read({ headers: {} })).toThrow(message);
  });

  it("refuse a compound part that is not a non-empty string", async () => {
    const buggy = identify.compound(identify.keyId(), () => 7 as unknown as string);
    expect(() => buggy({ headers: {}, keyId: "key_1" })).toThrow(
      /Part 2 .* not a string \(number\)/,
    );
    const empty = identify.compound(() => Promise.resolve(""));
    await expect(empty({ headers: {} })).rejects.toThrow(/Part 1 .* is empty/);
  });

  it("refuse bad arguments when the route is declared", () => {
    expect(() => identify.header("")).toThrow(TypeError);
    expect(() => identify.compound()).toThrow(TypeError);
  });
});

describe("identify.keyId() behind a key guard that failed open (no key id)", () => {
  const limitGuard = (failureMode: "open" | "closed") =>
    createRatelimitGuard<FakeRequest>({
      rootKey: "unkey_root_for_identify_tests",
      // Never called: the request has no key id to limit by.
      baseUrl: "http://127.0.0.1:9",
      namespace: "identify.keyid",
      limit: 10,
      duration: 60_000,
      identifier: identify.keyId(),
      failureMode,
    });
  // The key guard's fail-open context: Unkey unreachable, keyId "".
  const unverified = { headers: {}, keyId: "" };

  it("follows the limiter's failureMode: open passes, flagged, with no upstream call", async () => {
    const guard = limitGuard("open");
    expect(await guard.check(unverified)).toMatchObject({
      allowed: true,
      headers: { "x-keyguard-fail-open": "true" },
    });
    expect(guard.ratelimiter.stats().upstreamCalls).toBe(0);
  });

  it("closed answers 503 RATELIMIT_UNAVAILABLE, never a 500 identifier error", async () => {
    expect(await limitGuard("closed").check(unverified)).toMatchObject({
      allowed: false,
      status: 503,
      code: "RATELIMIT_UNAVAILABLE",
    });
  });
});
