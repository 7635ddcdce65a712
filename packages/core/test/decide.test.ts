import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KeyguardConfigError, type VerifyRequest } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { createCoalescedCall } from "../src/verify/coalesced-call";
import { createDecide } from "../src/verify/decide";
import { createMeteredCall } from "../src/verify/metered-call";
import { createDirectFill } from "../src/verify/shared-fill";
import { deferred, type FakeAnswer, validAnswer } from "./fake-unkey";
import { verifierParts } from "./verifier-parts";

const KEY = "sk_test_0123456789";
const T0 = Date.UTC(2026, 0, 1);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** The decision step over the real calls, as createVerifier() wires them. */
function decideParts(
  reply: () => FakeAnswer | Promise<FakeAnswer> = () => validAnswer({ permissions: ["docs.read"] }),
  options: Parameters<typeof verifierParts>[1] = {},
) {
  const parts = verifierParts(reply, options);
  const { state, upstream, failure } = parts;
  const steps = createDecide(state, {
    coalesced: createCoalescedCall(state, createDirectFill(state, upstream), upstream, failure),
    metered: createMeteredCall(state, upstream),
    upstream,
  });
  return { ...parts, steps };
}

describe("the decision step", () => {
  it("refuses what Unkey would not take as a key (empty, over 512 characters) locally: no call, counted", async () => {
    const { steps, unkey, state } = decideParts();
    expect(steps.decide("", prepareRequest(undefined))).toMatchObject({ code: "MALFORMED_KEY" });
    expect(await steps.verify("x".repeat(513))).toMatchObject({ code: "MALFORMED_KEY" });
    expect(steps.cached("é".repeat(513))).toMatchObject({ code: "MALFORMED_KEY" });
    expect(await steps.verify(undefined as unknown as string)).toMatchObject({
      code: "MALFORMED_KEY",
    });
    expect(unkey.count).toBe(0);
    expect(state.counters.refusedLocally).toBe(4);
  });

  it("a miss goes to Unkey; the next request is answered synchronously from the cache", async () => {
    const { steps, unkey, state } = decideParts();
    const route = prepareRequest({ permissions: "docs.read" });
    expect(steps.cached(KEY, route)).toBeUndefined();
    expect(await steps.decide(KEY, route)).toMatchObject({ valid: true, source: "upstream" });
    const hit = steps.decide(KEY, route);
    expect(hit).not.toBeInstanceOf(Promise);
    expect(hit).toMatchObject({ valid: true, source: "cache" });
    expect(steps.cached(KEY, prepareRequest({ permissions: "admin" }))).toMatchObject({
      code: "INSUFFICIENT_PERMISSIONS",
    });
    expect(unkey.count).toBe(1);
    expect(state.counters).toMatchObject({ hits: 2, misses: 1 });
  });

  it("a metered route, or a key known to be metered, reaches Unkey every time", async () => {
    const paid = decideParts();
    await paid.steps.verify(KEY, { cost: 1 });
    await paid.steps.verify(KEY, { cost: 1 });
    expect(paid.unkey.count).toBe(2);

    const creditKey = decideParts(() => validAnswer({ credits: 5 }));
    await creditKey.steps.verify(KEY);
    expect(creditKey.state.cache?.size).toBe(1); // the metered marker
    await creditKey.steps.verify(KEY);
    await creditKey.steps.verify(KEY);
    expect(creditKey.unkey.count).toBe(3);
    expect(creditKey.state.counters.hits).toBe(0);
  });

  it("concurrent requests with a key known to be metered each make their own call, none waits on another", async () => {
    let hold = deferred<FakeAnswer>();
    const { steps, unkey } = decideParts(() => hold.promise);
    const first = steps.verify(KEY);
    hold.resolve(validAnswer({ credits: 5 }));
    await first;
    hold = deferred<FakeAnswer>();
    const concurrent = [steps.verify(KEY), steps.verify(KEY)];
    await vi.waitFor(() => expect(unkey.count).toBe(3));
    hold.resolve(validAnswer({ credits: 4 }));
    for (const result of await Promise.all(concurrent))
      expect(result).toMatchObject({ credits: 4, source: "upstream" });
  });

  it("with cache: false, every request reaches Unkey", async () => {
    const { steps, unkey } = decideParts(undefined, { cache: false });
    expect(steps.cached(KEY)).toBeUndefined();
    await steps.decide(KEY, prepareRequest(undefined));
    await steps.decide(KEY, prepareRequest(undefined));
    expect(unkey.count).toBe(2);
  });

  it("checks a route it was given uncompiled, as the options would be at start-up", async () => {
    const { steps, unkey } = decideParts();
    const bad = { permissions: "docs.read AND" } as VerifyRequest;
    await expect(steps.verify(KEY, bad)).rejects.toThrow(KeyguardConfigError);
    expect(() => steps.cached(KEY, bad)).toThrow(KeyguardConfigError);
    expect(unkey.count).toBe(0);
  });
});
