import { describe, expect, it } from "vitest";
import { createGuard, type Decision, type GuardOptions } from "../src/adapter";
import { fakeUnkey, NOT_FOUND_ANSWER, ROOT_KEY, validAnswer } from "./fake-unkey";

function setup(options: Partial<GuardOptions> = {}) {
  const unkey = fakeUnkey((body) =>
    body.key === "sk_good" ? validAnswer({ permissions: ["docs.read"] }) : NOT_FOUND_ANSWER,
  );
  const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch, ...options });
  return { unkey, guard };
}

const bearer = (key: string) => new Headers({ authorization: `Bearer ${key}` });
const isPromise = (value: unknown): value is Promise<Decision> => value instanceof Promise;

describe("createGuard().check", () => {
  it("returns a Promise on a miss and a plain Decision on a cache hit", async () => {
    const { unkey, guard } = setup();
    const miss = guard.check({ method: "GET", headers: bearer("sk_good") });
    expect(isPromise(miss)).toBe(true);
    const first = await miss;
    expect(first).toMatchObject({ allowed: true, context: { keyId: "key_1", source: "upstream" } });

    const hit = guard.check({ method: "GET", headers: bearer("sk_good") });
    expect(isPromise(hit)).toBe(false);
    expect(hit).toMatchObject({ allowed: true, context: { keyId: "key_1", source: "cache" } });
    expect(unkey.count).toBe(1);
  });

  it("answers missing and malformed keys synchronously without calling Unkey", () => {
    const { unkey, guard } = setup();
    const missing = guard.check({ method: "GET", headers: new Headers() });
    expect(missing).toMatchObject({ allowed: false, status: 401, code: "MISSING_KEY" });
    const malformed = guard.check({ method: "GET", headers: bearer("sk a") });
    expect(malformed).toMatchObject({ allowed: false, status: 401, code: "MALFORMED_KEY" });
    expect(unkey.count).toBe(0);
  });

  it("applies the route's permission query, locally once the key is cached", async () => {
    const { unkey, guard } = setup();
    const read = guard.route({ permissions: "docs.read" });
    const write = guard.route({ permissions: "docs.write" });
    expect((await guard.check({ headers: bearer("sk_good") }, read)).allowed).toBe(true);
    const refused = guard.check({ headers: bearer("sk_good") }, write);
    expect(refused).toMatchObject({
      allowed: false,
      status: 403,
      body: { code: "INSUFFICIENT_PERMISSIONS" },
    });
    expect(unkey.count).toBe(1);
  });

  it("holds a route object that did not come from route() to its permission query on a cache hit", async () => {
    const { unkey, guard } = setup();
    expect((await guard.check({ headers: bearer("sk_good") })).allowed).toBe(true);
    const handMade = { permissions: "docs.write" } as unknown as ReturnType<typeof guard.route>;
    expect(guard.check({ headers: bearer("sk_good") }, handMade)).toMatchObject({
      allowed: false,
      status: 403,
      code: "INSUFFICIENT_PERMISSIONS",
    });
    expect(unkey.count).toBe(1);
  });

  it("lets a CORS preflight through unguarded, but guards a plain OPTIONS", async () => {
    const { unkey, guard } = setup();
    const preflight = guard.check({
      method: "OPTIONS",
      headers: new Headers({ "access-control-request-method": "POST", origin: "https://a.test" }),
    });
    expect(preflight).toMatchObject({ allowed: true, context: undefined });
    const plain = await guard.check({ method: "OPTIONS", headers: new Headers() });
    expect(plain).toMatchObject({ allowed: false, status: 401, code: "MISSING_KEY" });
    expect(unkey.count).toBe(0);
  });

  it("guards a preflight on a route that requires permissions or meters use", () => {
    const { unkey, guard } = setup();
    const preflight = {
      method: "OPTIONS",
      headers: new Headers({ "access-control-request-method": "DELETE", origin: "https://a.test" }),
    };
    for (const route of [
      guard.route({ permissions: "admin" }),
      guard.route({ cost: 1 }),
      guard.route({ ratelimits: [{ name: "requests" }] }),
    ]) {
      expect(guard.check(preflight, route)).toMatchObject({
        allowed: false,
        status: 401,
        code: "MISSING_KEY",
      });
    }
    expect(guard.check(preflight, guard.route({ tags: ["a"] }))).toMatchObject({ allowed: true });
    expect(unkey.count).toBe(0);
  });

  it('guards preflights too with preflight: "guard"', () => {
    const { guard } = setup({ preflight: "guard" });
    const decision = guard.check({
      method: "OPTIONS",
      headers: { "access-control-request-method": "POST" },
    });
    expect(decision).toMatchObject({ allowed: false, status: 401, code: "MISSING_KEY" });
  });

  it("uses the `key` override instead of the headers", async () => {
    const { unkey, guard } = setup();
    const decision = await guard.check({ headers: bearer("sk_bad"), key: "sk_good" });
    expect(decision.allowed).toBe(true);
    expect(unkey.calls.map((c) => c.body.key)).toEqual(["sk_good"]);
    expect(guard.check({ headers: bearer("sk_good"), key: null })).toMatchObject({
      allowed: false,
      code: "MISSING_KEY",
    });
    expect(guard.check({ headers: new Headers(), key: "k".repeat(513) })).toMatchObject({
      allowed: false,
      code: "MALFORMED_KEY",
    });
    expect(unkey.count).toBe(1);
  });

  it("denies an unknown key with 401 NOT_FOUND", async () => {
    const { guard } = setup();
    const decision = await guard.check({ headers: { "x-api-key": "sk_unknown" } });
    expect(decision).toMatchObject({
      allowed: false,
      status: 401,
      body: { code: "NOT_FOUND", requestId: "req_1" },
    });
  });

  it("fails open on an outage only for routes without permissions", async () => {
    const unkey = fakeUnkey(() => new Response("down", { status: 503 }));
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch, failureMode: "open" });
    const open = await guard.check({ headers: bearer("sk_good") });
    expect(open).toMatchObject({
      allowed: true,
      context: { source: "fail-open" },
      headers: { "x-keyguard-fail-open": "true" },
    });
    const guarded = await guard.check(
      { headers: bearer("sk_good") },
      guard.route({ permissions: "docs.read" }),
    );
    expect(guarded).toMatchObject({ allowed: false, status: 503 });
  });

  it("shares one cache between guards given the same verifier", async () => {
    const { unkey, guard } = setup();
    const other = createGuard({ verifier: guard.verifier });
    await guard.check({ headers: bearer("sk_good") });
    expect(isPromise(other.check({ headers: bearer("sk_good") }))).toBe(false);
    expect(unkey.count).toBe(1);
  });
});
