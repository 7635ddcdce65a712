import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createVerifier, VerifierError, type VerifierOptions } from "../src/index";
import {
  deferred,
  type FakeAnswer,
  fakeUnkey,
  NOT_FOUND_ANSWER,
  ROOT_KEY,
  validAnswer,
} from "./fake-unkey";

const T0 = Date.UTC(2026, 0, 1);
const KEY = "sk_test_0123456789";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const at = (ms: number) => vi.setSystemTime(T0 + ms);

function setup(
  answer: (body: { key: string; permissions?: string }) => FakeAnswer | Promise<FakeAnswer>,
  options: Partial<VerifierOptions> = {},
) {
  const unkey = fakeUnkey(answer);
  const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch, ...options });
  return { unkey, verifier };
}

const unavailable = () => new Response("upstream down", { status: 503 });

describe("TTL", () => {
  it("serves from cache within ttlMs and asks Unkey again after it", async () => {
    const { unkey, verifier } = setup(() => validAnswer(), { cache: { ttlMs: 5000 } });
    const first = await verifier.verify(KEY);
    expect(first).toMatchObject({ valid: true, code: "VALID", keyId: "key_1", source: "upstream" });
    at(4999);
    const second = await verifier.verify(KEY);
    expect(second).toMatchObject({ valid: true, keyId: "key_1", source: "cache" });
    expect(unkey.count).toBe(1);
    at(5000);
    expect((await verifier.verify(KEY)).source).toBe("upstream");
    expect(unkey.count).toBe(2);
    expect(verifier.stats()).toMatchObject({ hits: 1, misses: 2, upstreamCalls: 2 });
  });

  it("caches NOT_FOUND for the shorter negativeTtlMs", async () => {
    const { unkey, verifier } = setup(() => NOT_FOUND_ANSWER, {
      cache: { ttlMs: 5000, negativeTtlMs: 1000 },
    });
    expect(await verifier.verify(KEY)).toMatchObject({ valid: false, code: "NOT_FOUND" });
    at(999);
    expect(await verifier.verify(KEY)).toMatchObject({ code: "NOT_FOUND", source: "cache" });
    expect(unkey.count).toBe(1);
    at(1000);
    expect(await verifier.verify(KEY)).toMatchObject({ code: "NOT_FOUND", source: "upstream" });
    expect(unkey.count).toBe(2);
  });

  it("does not cache NOT_FOUND when negativeTtlMs is 0", async () => {
    const { unkey, verifier } = setup(() => NOT_FOUND_ANSWER, { cache: { negativeTtlMs: 0 } });
    await verifier.verify(KEY);
    await verifier.verify(KEY);
    expect(unkey.count).toBe(2);
  });

  it("never serves an entry past the key's own expires", async () => {
    const { unkey, verifier } = setup(() => validAnswer({ expires: T0 + 1000 }), {
      cache: { ttlMs: 60_000 },
    });
    await verifier.verify(KEY);
    at(999);
    expect((await verifier.verify(KEY)).source).toBe("cache");
    at(1000);
    expect(verifier.cached(KEY)).toBeUndefined();
    expect((await verifier.verify(KEY)).source).toBe("upstream");
    expect(unkey.count).toBe(2);
  });

  it("does not cache a key whose expires is already past", async () => {
    const { unkey, verifier } = setup(() => validAnswer({ expires: T0 - 1 }));
    await verifier.verify(KEY);
    await verifier.verify(KEY);
    expect(unkey.count).toBe(2);
    expect(verifier.stats().size).toBe(0);
  });

  it("with cache: false asks Unkey every time", async () => {
    const { unkey, verifier } = setup(() => validAnswer(), { cache: false });
    await verifier.verify(KEY);
    await verifier.verify(KEY);
    expect(verifier.cached(KEY)).toBeUndefined();
    expect(unkey.count).toBe(2);
  });
});

describe("coalescing", () => {
  it("1,000 concurrent verifications of one cold key make exactly one upstream call", async () => {
    const hold = deferred<FakeAnswer>();
    const { unkey, verifier } = setup(() => hold.promise);
    const pending = Array.from({ length: 1000 }, () => verifier.verify(KEY));
    await Promise.resolve();
    hold.resolve(validAnswer({ permissions: ["docs.read"] }));
    const results = await Promise.all(pending);
    expect(unkey.count).toBe(1);
    expect(results.every((r) => r.valid && r.keyId === "key_1")).toBe(true);
    expect(verifier.stats()).toMatchObject({ upstreamCalls: 1, coalesced: 999 });
  });

  it("coalesced callers with another permission query get the answer for their own query", async () => {
    const hold = deferred<FakeAnswer>();
    const { unkey, verifier } = setup(() => hold.promise);
    const reader = verifier.verify(KEY, { permissions: "docs.read" });
    const admin = verifier.verify(KEY, { permissions: "admin" });
    hold.resolve(validAnswer({ permissions: ["docs.read"] }));
    expect(await reader).toMatchObject({ valid: true, code: "VALID" });
    expect(await admin).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    expect(unkey.count).toBe(1);
  });

  it("concurrent cold calls for a metered key each reach Unkey", async () => {
    const hold = deferred<void>();
    let credits = 100;
    const { unkey, verifier } = setup(async () => {
      await hold.promise;
      return validAnswer({ credits: --credits });
    });
    const pending = Array.from({ length: 10 }, () => verifier.verify(KEY));
    await Promise.resolve();
    expect(unkey.count).toBe(1); // the others wait for the first answer...
    hold.resolve();
    const results = await Promise.all(pending);
    // ...then, seeing a metered key, each re-issues its own call.
    expect(unkey.count).toBe(10);
    expect(results.every((r) => r.valid && r.source === "upstream")).toBe(true);
    // Each caller saw the credits of its own deduction.
    expect(new Set(results.map((r) => r.credits)).size).toBe(10);
  });

  it("a metered key makes one upstream call per request afterwards", async () => {
    let credits = 100;
    const { unkey, verifier } = setup(() => validAnswer({ credits: --credits }));
    for (let i = 1; i <= 5; i++) {
      const result = await verifier.verify(KEY);
      expect(result).toMatchObject({ valid: true, credits: 100 - i, source: "upstream" });
      expect(unkey.count).toBe(i);
      expect(verifier.cached(KEY)).toBeUndefined();
    }
  });

  it("a key with an auto-applied rate limit is metered too", async () => {
    const ratelimits = [
      {
        name: "r",
        exceeded: false,
        limit: 10,
        remaining: 9,
        duration: 1000,
        reset: T0 + 1000,
        autoApply: true,
      },
    ];
    const { unkey, verifier } = setup(() => validAnswer({ ratelimits }));
    await verifier.verify(KEY);
    await verifier.verify(KEY);
    await verifier.verify(KEY);
    expect(unkey.count).toBe(3);
  });

  it("requests with cost or ratelimits always reach Unkey, even for a cached key", async () => {
    const { unkey, verifier } = setup(() => validAnswer());
    await verifier.verify(KEY);
    expect((await verifier.verify(KEY)).source).toBe("cache");
    expect(unkey.count).toBe(1);
    await verifier.verify(KEY, { cost: 1 });
    await verifier.verify(KEY, { cost: 0 });
    await verifier.verify(KEY, { ratelimits: [{ name: "requests" }] });
    expect(unkey.count).toBe(4);
    expect(verifier.cached(KEY, { cost: 1 })).toBeUndefined();
    expect(unkey.calls[1]?.body.credits).toEqual({ cost: 1 });
    expect(unkey.calls[3]?.body.ratelimits).toEqual([{ name: "requests" }]);
  });
});

describe("bounds", () => {
  it("100,000 random keys never grow the cache past max", async () => {
    // A lean fake: the same envelope as Unkey's, without the cost of building 100,000 Responses.
    const text = JSON.stringify({ meta: { requestId: "req_1" }, data: NOT_FOUND_ANSWER });
    const headers = new Headers({ "content-type": "application/json" });
    let calls = 0;
    const answer = { status: 200, headers, text: async () => text } as unknown as Response;
    const lean = (async () => {
      calls++;
      return answer;
    }) as typeof globalThis.fetch;
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: lean, cache: { max: 1000 } });
    let largest = 0;
    for (let batch = 0; batch < 100; batch++) {
      const keys = Array.from({ length: 1000 }, (_, i) => `sk_flood_${batch}_${i}`);
      const results = await Promise.all(keys.map((key) => verifier.verify(key)));
      expect(results[999]?.code).toBe("NOT_FOUND");
      largest = Math.max(largest, verifier.stats().size);
    }
    expect(calls).toBe(100_000);
    expect(largest).toBe(1000);
    // The most recent keys are the ones kept.
    expect(verifier.cached("sk_flood_99_999")?.code).toBe("NOT_FOUND");
    expect(verifier.cached("sk_flood_0_0")).toBeUndefined();
    // 100,000 verifications of CPU: about 11 s beside other work, so room to spare.
  }, 120_000);
});

describe("invalidate() and clear()", () => {
  it("invalidate() forgets one key", async () => {
    const { unkey, verifier } = setup(() => validAnswer());
    await verifier.verify(KEY);
    await verifier.verify("sk_other");
    verifier.invalidate(KEY);
    expect(verifier.cached(KEY)).toBeUndefined();
    expect(verifier.cached("sk_other")?.valid).toBe(true);
    await verifier.verify(KEY);
    expect(unkey.count).toBe(3);
  });

  it("clear() forgets every key", async () => {
    const { unkey, verifier } = setup(() => validAnswer());
    await verifier.verify(KEY);
    await verifier.verify("sk_other");
    expect(verifier.stats().size).toBe(2);
    verifier.clear();
    expect(verifier.stats().size).toBe(0);
    await verifier.verify(KEY);
    await verifier.verify("sk_other");
    expect(unkey.count).toBe(4);
  });
});

describe("stale-if-error", () => {
  function flaky(options: Partial<VerifierOptions>) {
    let down = false;
    const ctx = setup(() => (down ? unavailable() : validAnswer({ permissions: ["docs.read"] })), {
      cache: { ttlMs: 1000 },
      ...options,
    });
    return { ...ctx, fail: () => (down = true) };
  }

  it("serves a stale valid entry within the window, marked stale, and refuses after it", async () => {
    const { verifier, fail, unkey } = flaky({ staleIfErrorMs: 10_000 });
    await verifier.verify(KEY);
    fail();
    // Past the timeout (2 s) since Unkey's last answer: an outage, where stale answers apply.
    at(3500);
    expect(await verifier.verify(KEY)).toMatchObject({ valid: true, source: "stale" });
    expect(await verifier.verify(KEY, { permissions: "admin" })).toMatchObject({
      valid: false,
      code: "INSUFFICIENT_PERMISSIONS",
      source: "stale",
    });
    expect(verifier.stats().staleServed).toBe(2);
    at(1000 + 10_000);
    await expect(verifier.verify(KEY)).rejects.toMatchObject({
      name: "VerifierError",
      code: "VERIFIER_UNAVAILABLE",
    });
    expect(unkey.count).toBe(4);
  });

  it("serves no stale answer while Unkey answers other calls (the failed call may be about a revoked key)", async () => {
    const failing = new Set<string>();
    const { verifier, unkey } = setup(
      (body) => (failing.has(body.key) ? unavailable() : validAnswer({ keyId: `id_${body.key}` })),
      { cache: { ttlMs: 1000 }, staleIfErrorMs: 10_000 },
    );
    await verifier.verify(KEY);
    failing.add(KEY); // only this key's calls fail: one stalled call, not an outage
    at(1500);
    await verifier.verify("sk_other_key"); // Unkey answers another call meanwhile
    await expect(verifier.verify(KEY)).rejects.toMatchObject({
      code: "VERIFIER_UNAVAILABLE",
      unkeyAnswering: true,
    });
    expect(verifier.stats().staleServed).toBe(0);
    // Once Unkey has answered nothing for longer than the timeout, it is an outage: stale applies.
    at(4000);
    expect(await verifier.verify(KEY)).toMatchObject({ valid: true, source: "stale" });
    expect(unkey.count).toBe(4);
  });

  it("is off by default", async () => {
    const { verifier, fail } = flaky({});
    await verifier.verify(KEY);
    fail();
    at(1001);
    await expect(verifier.verify(KEY)).rejects.toBeInstanceOf(VerifierError);
    expect(verifier.stats()).toMatchObject({ staleServed: 0, failures: 1 });
  });
});

describe("local permission checks", () => {
  it("one upstream call serves every route; the second route is refused from cache", async () => {
    const { unkey, verifier } = setup(() => validAnswer({ permissions: ["docs.read"] }));
    const read = await verifier.verify(KEY, { permissions: "docs.read" });
    expect(read).toMatchObject({ valid: true, code: "VALID", source: "upstream" });
    const write = await verifier.verify(KEY, { permissions: "docs.write OR admin" });
    expect(write).toMatchObject({
      valid: false,
      code: "INSUFFICIENT_PERMISSIONS",
      keyId: "key_1",
      source: "cache",
    });
    expect((await verifier.verify(KEY, { permissions: "docs.read OR admin" })).valid).toBe(true);
    expect(unkey.count).toBe(1);
    expect(unkey.calls[0]?.body.permissions).toBe("docs.read");
  });
});

describe("cached()", () => {
  it("answers synchronously from the cache, undefined when verify must run", async () => {
    const { verifier } = setup(() => validAnswer());
    expect(verifier.cached(KEY)).toBeUndefined();
    await verifier.verify(KEY);
    const hit = verifier.cached(KEY);
    expect(hit).not.toBeInstanceOf(Promise);
    expect(hit).toMatchObject({ valid: true, keyId: "key_1", source: "cache" });
    expect(verifier.cached(KEY, { permissions: "admin" })?.code).toBe("INSUFFICIENT_PERMISSIONS");
  });
});

describe("local refusals", () => {
  it.each([
    ["nothing (empty)", ""],
    ["513 characters", "k".repeat(513)],
    ["513 code points", "\u{1F511}".repeat(513)],
  ])("a key with %s never reaches Unkey", async (_name, key) => {
    const { unkey, verifier } = setup(() => validAnswer());
    expect(await verifier.verify(key)).toMatchObject({ valid: false, code: "MALFORMED_KEY" });
    expect(verifier.cached(key)?.code).toBe("MALFORMED_KEY");
    expect(unkey.count).toBe(0);
    expect(verifier.stats()).toMatchObject({ upstreamCalls: 0, size: 0 });
    expect(verifier.stats().refusedLocally).toBeGreaterThan(0);
  });

  it.each([
    ["a comma", "sk_a,b"],
    ["spaces", "legacy key 42"],
    ["non-ASCII", "sk_caf\u00e9"],
    ["512 code points of astral characters", "\u{1F511}".repeat(512)],
  ])(
    "a key with %s reaches Unkey, which takes any key of 1 to 512 characters",
    async (_name, key) => {
      const { unkey, verifier } = setup(() => validAnswer());
      expect(await verifier.verify(key)).toMatchObject({ valid: true });
      expect(unkey.calls.map((c) => c.body.key)).toEqual([key]);
    },
  );

  it("a 512-character key does reach Unkey", async () => {
    const { unkey, verifier } = setup(() => validAnswer());
    expect((await verifier.verify("k".repeat(512))).valid).toBe(true);
    expect(unkey.count).toBe(1);
  });
});

describe("changes of a key", () => {
  it("a DISABLED answer after a valid one drops the valid entry", async () => {
    let answer: FakeAnswer = validAnswer();
    const { unkey, verifier } = setup(() => answer, {
      cache: { ttlMs: 1000, negativeTtlMs: 0 },
      staleIfErrorMs: 60_000,
    });
    await verifier.verify(KEY);
    answer = { valid: false, code: "DISABLED", keyId: "key_1" };
    at(1000);
    expect(await verifier.verify(KEY)).toMatchObject({ valid: false, code: "DISABLED" });
    expect(verifier.stats().size).toBe(0);
    expect(verifier.cached(KEY)).toBeUndefined();
    // And the old valid answer is not served as stale when Unkey then fails.
    answer = unavailable();
    await expect(verifier.verify(KEY)).rejects.toBeInstanceOf(VerifierError);
    expect(unkey.count).toBe(3);
  });

  it("a cached DISABLED answer is served as DISABLED, not as the older valid one", async () => {
    let answer: FakeAnswer = validAnswer();
    const { verifier } = setup(() => answer, { cache: { ttlMs: 1000, negativeTtlMs: 1000 } });
    await verifier.verify(KEY);
    answer = { valid: false, code: "DISABLED", keyId: "key_1" };
    at(1000);
    await verifier.verify(KEY);
    expect(verifier.cached(KEY)).toMatchObject({ valid: false, code: "DISABLED" });
  });
});

describe("the raw key is never kept or echoed", () => {
  it("Unkey sees the key; errors and stats do not", async () => {
    const secret = "sk_live_SECRET_77aa";
    let down = false;
    const { unkey, verifier } = setup(() => (down ? unavailable() : validAnswer()), {
      cache: { ttlMs: 1000 },
    });
    await verifier.verify(secret);
    expect(unkey.calls[0]?.body.key).toBe(secret);
    expect(unkey.calls[0]?.authorization).toBe(`Bearer ${ROOT_KEY}`);
    down = true;
    at(2000);
    const error = await verifier.verify(secret).then(
      () => undefined,
      (e: unknown) => e as VerifierError,
    );
    expect(error).toBeInstanceOf(VerifierError);
    expect(`${error?.message} ${String(error?.stack)}`).not.toContain(secret);
    expect(JSON.stringify(verifier.stats())).not.toContain(secret);
    expect(JSON.stringify(verifier.options)).not.toContain(ROOT_KEY);
  });
});
