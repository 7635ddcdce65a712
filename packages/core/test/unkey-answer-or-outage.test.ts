import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createGuard, createRatelimitGuard } from "../src/adapter";
import {
  createRatelimiter,
  createRatelimitGroup,
  createVerifier,
  VerifierError,
} from "../src/index";

// What counts as an outage (fail-open, stale answers) and what is Unkey answering with an
// error of its own (keyguard issue 28 review): every case against the real emulator.

let emulator: Emulator;
let apiId: string;
let key: string;
let namespaces = 0;
// Each test an hour after the one before: the process-wide "Unkey last answered" clock of an
// earlier test is then long past, whatever it saw.
let now = Date.UTC(2026, 0, 1);

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, now: () => Date.now() });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "outages" }));
  ({ key } = await emulator.call<{ key: string }>("keys.createKey", { apiId }));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  now += 3_600_000;
  vi.setSystemTime(now);
  emulator.resetStats();
});
afterEach(() => {
  emulator.setFault(null);
  vi.useRealTimers();
});

const request = () => ({ headers: { authorization: `Bearer ${key}` } });
const upstream = (operation: string) => emulator.stats().calls[operation] ?? 0;
// A load balancer's page: no Unkey envelope, so Unkey itself did not answer.
const GATEWAY_PAGE = { status: 502, body: "<html>Bad Gateway</html>", contentType: "text/html" };

/** A rate-limit guard under `failureMode: "open"` on a namespace of its own. */
function limitGuard() {
  const namespace = `outages.${++namespaces}`;
  const guard = createRatelimitGuard<{ id: string }>({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    namespace,
    limit: 10,
    duration: 60_000,
    identifier: (r) => r.id,
    failureMode: "open",
  });
  return Object.assign(guard, { namespace });
}

describe("Unkey answering with an error of its own is no outage", () => {
  it("410 (a deleted namespace) is a misconfiguration: 500, even under fail-open", async () => {
    const guard = limitGuard();
    emulator.setFault({ status: 410, operations: ["ratelimit.limit"] });
    expect(await guard.check({ id: "a" })).toMatchObject({
      allowed: false,
      status: 500,
      code: "RATELIMIT_MISCONFIGURED",
    });
    expect(upstream("ratelimit.limit")).toBe(1);
  });

  it("a 5xx in Unkey's envelope is not failed open; a gateway's 5xx page is", async () => {
    const guard = createGuard({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      failureMode: "open",
    });
    emulator.setFault({ status: 503 });
    expect(await guard.check(request())).toMatchObject({
      allowed: false,
      status: 503,
      code: "VERIFIER_UNAVAILABLE",
    });
    emulator.setFault(GATEWAY_PAGE);
    expect(await guard.check(request())).toMatchObject({
      allowed: true,
      context: { source: "fail-open" },
    });
    expect(upstream("keys.verifyKey")).toBe(2);
  });

  it("a limit overridden to 0 (a ban: Unkey answers 500) is refused, never failed open", async () => {
    const guard = limitGuard();
    // The namespace made by a call of the emulator's own: this process has seen no answer yet.
    const seed = { namespace: guard.namespace, identifier: "seed", limit: 1, duration: 60_000 };
    await emulator.call("ratelimit.limit", seed);
    await emulator.call("ratelimit.setOverride", {
      namespace: guard.namespace,
      identifier: "banned",
      limit: 0,
      duration: 60_000,
    });
    expect(await guard.check({ id: "banned" })).toMatchObject({
      allowed: false,
      status: 503,
      code: "RATELIMIT_UNAVAILABLE",
    });
    expect(guard.ratelimiter.stats().failedOpen).toBe(0);
  });
});

describe("mode: async under a ban (attacker review, round 4)", () => {
  /** A namespace with room learned for `who`, then `who` banned at Unkey (an override of 0). */
  async function banAfterRoom(namespace: string, who: string, first: () => Promise<unknown>) {
    await first();
    await emulator.call("ratelimit.setOverride", {
      namespace,
      identifier: who,
      limit: 0,
      duration: 60_000,
    });
  }

  /**
   * One call admitted from what was known (its background call meets the ban), then, once
   * that failure is counted, ten more: every one waits for Unkey, which refuses with its 500.
   */
  async function afterTheFailure(
    call: () => Promise<unknown>,
    stats: () => { admittedAsync: number; asyncFailures: number },
  ) {
    expect(await call()).toMatchObject({ success: true, source: "async" });
    await vi.waitFor(() => expect(stats().asyncFailures).toBe(1), { timeout: 30_000 });
    const later = [];
    for (let i = 0; i < 10; i++) later.push(await call().catch((error: unknown) => error));
    expect(later.every((answer) => answer instanceof VerifierError)).toBe(true);
    expect(stats()).toMatchObject({ admittedAsync: 1, asyncFailures: 1 });
  }

  it("createRatelimiter: once a background call fails, every call waits for Unkey (not ttlMs of admissions)", async () => {
    const namespace = `outages.${++namespaces}`;
    const limiter = createRatelimiter({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace,
      limit: 100,
      duration: 60_000,
      mode: "async",
      logger: { warn() {}, error() {} },
    });
    await banAfterRoom(namespace, "tenant", () => limiter.limit("tenant"));
    await afterTheFailure(() => limiter.limit("tenant"), limiter.stats);
  });

  it("createRatelimitGroup: the same, for every limit of the group", async () => {
    const namespace = `outages.${++namespaces}`;
    const group = createRatelimitGroup({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      limits: [{ namespace, limit: 100, duration: 60_000 }],
      mode: "async",
      logger: { warn() {}, error() {} },
    });
    const call = () => group.limit([{ identifier: "tenant" }]);
    await banAfterRoom(namespace, "tenant", call);
    await afterTheFailure(call, group.stats);
  });
});

describe("the fetch option", () => {
  it("throwing with no network error code is a misconfiguration (500), not an outage to fail open", async () => {
    const throwing: typeof globalThis.fetch = async () => {
      throw new TypeError(`cannot set header "Bearer ${emulator.rootKey}"`);
    };
    const guard = createGuard({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      fetch: throwing,
      failureMode: "open",
    });
    const decision = await guard.check(request());
    expect(decision).toMatchObject({ allowed: false, status: 500, code: "VERIFIER_MISCONFIGURED" });
    expect(JSON.stringify(decision)).not.toContain(emulator.rootKey);
  });

  it("no client error is kept as the cause: it may hold the request and its root key", async () => {
    const leaky = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("socket hang up"), {
        code: "ECONNRESET",
        request: { headers: { authorization: `Bearer ${emulator.rootKey}` } },
      }),
    });
    const verifier = createVerifier({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      fetch: async () => Promise.reject(leaky),
    });
    const error = await verifier.verify(key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifierError);
    expect(error).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
    expect((error as Error).message).toBe("Unkey could not be reached (ECONNRESET).");
    expect((error as Error).cause).toBeUndefined();
  });

  it("that ignores the AbortSignal still ends at timeoutMs, down the outage path", async () => {
    const deaf: typeof globalThis.fetch = () => new Promise<Response>(() => undefined);
    const guard = createGuard({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      fetch: deaf,
      timeoutMs: 50,
      failureMode: "open",
    });
    expect(await guard.check(request())).toMatchObject({
      allowed: true,
      context: { source: "fail-open" },
    });
  });

  it("whose answer's body never ends still ends at timeoutMs", async () => {
    const endless: typeof globalThis.fetch = async () =>
      new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("{")) }), {
        headers: { "content-type": "application/json" },
      });
    const verifier = createVerifier({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      fetch: endless,
      timeoutMs: 50,
    });
    await expect(verifier.verify(key)).rejects.toMatchObject({
      code: "VERIFIER_UNAVAILABLE",
      message: "Unkey did not finish its answer within 50 ms.",
    });
  });
});

describe("one 'Unkey last answered' clock per origin", () => {
  it("a rate limiter's answer makes the verifier's failure its own, not an outage to fail open", async () => {
    const limits = limitGuard();
    const guard = createGuard({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      failureMode: "open",
    });
    expect(await limits.check({ id: "a" })).toMatchObject({ allowed: true });
    emulator.setFault({ ...GATEWAY_PAGE, operations: ["keys.verifyKey"] });
    // Unkey answered the rate limiter just now: this verify failure is not an outage.
    expect(await guard.check(request())).toMatchObject({ allowed: false, status: 503 });
    // Past the timeout (2 s) with no answer since: an outage, failed open.
    vi.setSystemTime(now + 2001);
    expect(await guard.check(request())).toMatchObject({
      allowed: true,
      context: { source: "fail-open" },
    });
    expect(upstream("keys.verifyKey")).toBe(2);
  });
});
