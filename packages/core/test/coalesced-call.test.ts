import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VerifierError } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { createCoalescedCall } from "../src/verify/coalesced-call";
import { createDirectFill } from "../src/verify/shared-fill";
import { deferred, type FakeAnswer, validAnswer } from "./fake-unkey";
import { verifierParts } from "./verifier-parts";

const KEY = "sk_test_0123456789";
const HASH = "hash_of_the_key";
const T0 = Date.UTC(2026, 0, 1);
const PLAIN = prepareRequest(undefined);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** The coalescing step over a fake Unkey whose answers wait for `release()`. */
function held(options: Parameters<typeof verifierParts>[1] = {}) {
  let hold = deferred<FakeAnswer>();
  const parts = verifierParts(() => hold.promise, { cache: { ttlMs: 5000 }, ...options });
  const fill = createDirectFill(parts.state, parts.upstream);
  const coalesced = createCoalescedCall(parts.state, fill, parts.upstream, parts.failure);
  const release = (answer: FakeAnswer) => {
    const current = hold;
    hold = deferred<FakeAnswer>();
    current.resolve(answer);
  };
  return { ...parts, coalesced, release };
}

describe("the coalesced call: one upstream call per key at a time", () => {
  it("callers of one key wait on one call; the first gets Unkey's answer, the others the entry it left", async () => {
    const { coalesced, release, unkey, state } = held();
    const calls = [
      coalesced(HASH, KEY, PLAIN),
      coalesced(HASH, KEY, PLAIN),
      coalesced(HASH, KEY, prepareRequest({ permissions: "docs.read" })),
    ];
    release(validAnswer({ permissions: ["docs.read"] }));
    const [first, second, third] = await Promise.all(calls);
    expect(unkey.count).toBe(1);
    expect(state.counters.coalesced).toBe(2);
    expect(first).toMatchObject({ valid: true, source: "upstream" });
    expect(second).toMatchObject({ valid: true, source: "cache" });
    expect(third).toMatchObject({ valid: true, source: "cache" });
  });

  it("a caller whose route asks another query gets its own answer from the entry, locally", async () => {
    const { coalesced, release, unkey } = held();
    const leader = coalesced(HASH, KEY, PLAIN);
    const joiner = coalesced(HASH, KEY, prepareRequest({ permissions: "admin" }));
    release(validAnswer({ permissions: ["docs.read"] }));
    await leader;
    expect(await joiner).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    expect(unkey.count).toBe(1);
  });

  it("a metered key's answer is not shared: the joiner asks Unkey itself", async () => {
    const { coalesced, release, unkey } = held();
    const leader = coalesced(HASH, KEY, PLAIN);
    const joiner = coalesced(HASH, KEY, PLAIN);
    release(validAnswer({ credits: 10 }));
    await leader;
    await vi.waitFor(() => expect(unkey.count).toBe(2));
    release(validAnswer({ credits: 9 }));
    expect(await joiner).toMatchObject({ valid: true, credits: 9, source: "upstream" });
  });

  it("a settled call is not joined: the next caller past the cache starts a new one", async () => {
    const { coalesced, release, unkey, state } = held();
    const first = coalesced(HASH, KEY, PLAIN);
    release(validAnswer());
    await first;
    const second = coalesced(HASH, KEY, PLAIN);
    release(validAnswer());
    await second;
    expect(unkey.count).toBe(2);
    expect(state.counters.coalesced).toBe(0);
  });

  it("a call detached while out (an invalidation) leaves nothing in the cache", async () => {
    const { coalesced, release, state } = held();
    const call = coalesced(HASH, KEY, PLAIN);
    state.inflight.detach(HASH);
    release(validAnswer());
    expect(await call).toMatchObject({ valid: true, source: "upstream" });
    expect(state.cache?.get(HASH, Date.now())).toBeUndefined();
  });

  it("a failure reaches every caller, each one served stale when the policy allows", async () => {
    const { coalesced, release, state } = held({ staleIfErrorMs: 60_000 });
    const warm = coalesced(HASH, KEY, PLAIN);
    release(validAnswer());
    await warm;
    vi.setSystemTime(T0 + 6000); // past the TTL
    const calls = [coalesced(HASH, KEY, PLAIN), coalesced(HASH, KEY, PLAIN)];
    release(new Response("Bad Gateway", { status: 502 }));
    for (const result of await Promise.all(calls))
      expect(result).toMatchObject({ valid: true, source: "stale" });
    expect(state.counters.staleServed).toBe(2);
    expect(state.counters.failures).toBe(1);
  });

  it("a failure with nothing stale to serve rejects every caller with the verifier's error", async () => {
    const { coalesced, release } = held();
    const calls = [coalesced(HASH, KEY, PLAIN), coalesced(HASH, KEY, PLAIN)];
    release(new Response("Bad Gateway", { status: 502 }));
    for (const call of calls) await expect(call).rejects.toThrow(VerifierError);
  });
});
