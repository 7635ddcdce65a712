import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRatelimitGuard } from "../src/adapter";
import { createRatelimiter } from "../src/index";
import { deferred } from "./fake-unkey";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.stop();
});

/**
 * `fetch` to the emulator that never sends the calls for `identifier` (as a connection
 * stalled on one socket would): they end at the rate limiter's timeout, while every other
 * call is answered. `stalled` resolves when the first such call is out.
 */
function stallingFetch(identifier: string) {
  const stalled = deferred<void>();
  const fetch: typeof globalThis.fetch = (input, init) => {
    if (!String(init?.body).includes(`"identifier":"${identifier}"`))
      return globalThis.fetch(input, init);
    stalled.resolve();
    return new Promise((_, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    });
  };
  return { fetch, stalled: stalled.promise };
}

let namespaces = 0;

describe("ratelimit() with failureMode: open, one call stalled while Unkey answers the others", () => {
  it("refuses the stalled call (503), never lets it through: not an outage", async () => {
    const { fetch, stalled } = stallingFetch("ip:203.0.113.9");
    const guard = createRatelimitGuard<string>({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace: `login.${++namespaces}`,
      limit: 1,
      duration: 60_000,
      failureMode: "open",
      timeoutMs: 1500,
      fetch,
      identifier: (ip) => `ip:${ip}`,
    });
    const attempt = guard.check("203.0.113.9");
    await stalled;
    // Unkey answers another client meanwhile, within the stalled call's timeout.
    expect(await guard.check("198.51.100.7")).toMatchObject({ allowed: true });
    const decision = await attempt;
    expect(decision).toMatchObject({ allowed: false, status: 503, code: "RATELIMIT_UNAVAILABLE" });
    expect(decision.headers["x-keyguard-fail-open"]).toBeUndefined();
  });

  it("still fails open in an outage (no answer from Unkey within the timeout)", async () => {
    const { fetch } = stallingFetch("ip:203.0.113.10");
    const limiter = createRatelimiter({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace: `login.${++namespaces}`,
      limit: 1,
      duration: 60_000,
      failureMode: "open",
      timeoutMs: 200,
      fetch,
    });
    expect(await limiter.limit("ip:203.0.113.10")).toMatchObject({
      success: true,
      source: "fail-open",
    });
  });
});
