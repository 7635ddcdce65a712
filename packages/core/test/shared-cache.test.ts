import { describe, expect, it, vi } from "vitest";
import { createVerifier, type SharedCache, type Verifier } from "../src/index";
import { deferred, fakeUnkey, NOT_FOUND_ANSWER, ROOT_KEY, validAnswer } from "./fake-unkey";
import { memoryStore } from "./memory-store";

const KEY = "sk_test_0123456789";

const quietLogger = () => ({ warn: vi.fn(), error: vi.fn() });

function instances(
  count: number,
  answer: Parameters<typeof fakeUnkey>[0],
  store = memoryStore(),
  logger = quietLogger(),
) {
  const unkey = fakeUnkey(answer);
  const verifiers = Array.from({ length: count }, () =>
    createVerifier({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      sharedCache: store.store,
      logger,
      cache: { ttlMs: 5000 },
    }),
  );
  return { unkey, verifiers, store, logger };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
/** Waits for what an event brings about (real timers only: with fake ones it moves the clock). */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 5 });
/**
 * Lets pending I/O and promise callbacks run for up to `turns` turns of the event loop, without
 * moving a fake clock (vi.waitFor would advance it); answers whether `done` came to hold.
 */
async function withoutMoreTime(done: () => boolean, turns = 1000): Promise<boolean> {
  for (let turn = 0; turn < turns && !done(); turn++)
    await new Promise((resolve) => setImmediate(resolve));
  return done();
}
const gets = (log: readonly string[]) => log.filter((entry) => entry === "get").length;

describe("sharedCache", () => {
  it("answers an instance's miss from another instance's upstream answer", async () => {
    const { unkey, verifiers } = instances(4, () => validAnswer({ permissions: ["docs.read"] }));
    expect((await verifiers[0]?.verify(KEY))?.source).toBe("upstream");
    await tick();
    for (const verifier of verifiers.slice(1)) {
      const result = await verifier.verify(KEY, { permissions: "docs.read" });
      expect(result).toMatchObject({ valid: true, keyId: "key_1", source: "cache" });
      expect(verifier.stats().sharedHits).toBe(1);
      // Permission queries are evaluated locally against the shared entry too.
      expect(await verifier.verify(KEY, { permissions: "docs.write" })).toMatchObject({
        code: "INSUFFICIENT_PERMISSIONS",
      });
    }
    expect(unkey.count).toBe(1);
  });

  it("makes one upstream call when instances miss together (the lease)", async () => {
    // Date frozen: the waiters' patience (timeoutMs of real time) cannot run out on a busy machine.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const hold = deferred<Record<string, unknown>>();
      const { unkey, verifiers, store } = instances(4, () => hold.promise);
      const all = Promise.all(verifiers.map((verifier) => verifier.verify(KEY)));
      // Every instance has asked the store: one took the lease, three wait on it.
      expect(await withoutMoreTime(() => gets(store.log) >= 4)).toBe(true);
      hold.resolve(validAnswer());
      const results = await all;
      expect(results.every((result) => result.valid)).toBe(true);
      expect(unkey.count).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("makes one upstream call per TTL when every instance's entry expires at once and the store's copy lingers", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const unkey = fakeUnkey(() => validAnswer());
      const store = memoryStore(40);
      const verifiers = Array.from({ length: 4 }, () =>
        createVerifier({
          rootKey: ROOT_KEY,
          fetch: unkey.fetch,
          sharedCache: store.store,
          logger: quietLogger(),
          cache: { ttlMs: 100 },
        }),
      );
      await verifiers[0]?.verify(KEY);
      await tick();
      for (const verifier of verifiers) expect((await verifier.verify(KEY)).valid).toBe(true);
      expect(unkey.count).toBe(1);
      vi.setSystemTime(Date.now() + 100); // fresh no more anywhere; the store's copy lingers 40 ms
      store.log.length = 0;
      const all = Promise.all(verifiers.map((verifier) => verifier.verify(KEY)));
      // Each instance found the lingering copy and looks again rather than asking Unkey...
      expect(await withoutMoreTime(() => gets(store.log) >= 4)).toBe(true);
      expect(unkey.count).toBe(1);
      vi.setSystemTime(Date.now() + 41); // ...until it is gone: then one asks, the others wait
      const results = await all;
      expect(results.every((result) => result.valid)).toBe(true);
      expect(unkey.count).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shares refusals of unknown keys", async () => {
    const { unkey, verifiers } = instances(3, () => NOT_FOUND_ANSWER);
    for (const verifier of verifiers)
      expect(await verifier.verify(KEY)).toMatchObject({ code: "NOT_FOUND" });
    expect(unkey.count).toBe(1);
  });

  it("never shares a metered key (credits) nor a metered request", async () => {
    const { unkey, verifiers, store } = instances(2, () => validAnswer({ credits: 10 }));
    await verifiers[0]?.verify(KEY);
    await verifiers[0]?.verify(KEY, { cost: 2 });
    await tick();
    expect(store.entries.size).toBe(0);
    expect(store.log).not.toContain("set");
    await verifiers[1]?.verify(KEY);
    expect(unkey.count).toBe(3);
  });

  it("invalidateKeyId drops the key from every instance and from the store", async () => {
    let enabled = true;
    const { unkey, verifiers, store } = instances(3, () =>
      enabled ? validAnswer() : { ...validAnswer(), valid: false, code: "DISABLED" },
    );
    for (const verifier of verifiers) await verifier.verify(KEY);
    expect(unkey.count).toBe(1);
    enabled = false;
    await verifiers[2]?.invalidateKeyId("key_1");
    await tick();
    expect(store.entries.size).toBe(0);
    for (const verifier of verifiers) expect(verifier.cached(KEY)).toBeUndefined();
    expect(await verifiers[0]?.verify(KEY)).toMatchObject({ code: "DISABLED" });
  });

  it("invalidate(key) reaches every instance through the bus", async () => {
    const { verifiers } = instances(2, () => validAnswer());
    for (const verifier of verifiers) await verifier.verify(KEY);
    expect(verifiers[1]?.cached(KEY)?.valid).toBe(true);
    await verifiers[0]?.invalidate(KEY);
    await tick();
    expect(verifiers[1]?.cached(KEY)).toBeUndefined();
  });

  it("does not cache an answer to a call made before invalidateKeyId", async () => {
    const hold = deferred<Record<string, unknown>>();
    const { unkey, verifiers, store } = instances(2, () => hold.promise);
    const pending = verifiers[0]?.verify(KEY);
    await eventually(() => expect(unkey.count).toBe(1)); // the call is out
    await verifiers[1]?.invalidateKeyId("key_1");
    hold.resolve(validAnswer());
    expect((await pending)?.valid).toBe(true);
    await tick();
    expect(verifiers[0]?.cached(KEY)).toBeUndefined();
    expect(store.entries.size).toBe(0);
    expect(unkey.count).toBe(1);
  });

  it("frees the lease when an invalidated fill is not shared, so other instances do not wait on it", async () => {
    const hold = deferred<Record<string, unknown>>();
    let calls = 0;
    const { unkey, verifiers, store } = instances(2, () =>
      ++calls === 1 ? hold.promise : validAnswer(),
    );
    const pending = verifiers[0]?.verify(KEY);
    await eventually(() => expect(unkey.count).toBe(1)); // the call is out, the lease held
    await verifiers[0]?.invalidateKeyId("key_1");
    hold.resolve(validAnswer());
    await pending;
    await tick();
    store.log.length = 0;
    expect(await verifiers[1]?.verify(KEY)).toMatchObject({ valid: true, source: "upstream" });
    // One look at the store, which gave it the lease: it never waited on the freed one (a held
    // lease is looked at again and again until it is released, or for up to 2 s).
    expect(gets(store.log)).toBe(1);
  });

  it("flushes the in-process cache when the bus reconnects", async () => {
    const { verifiers, store } = instances(1, () => validAnswer());
    await verifiers[0]?.verify(KEY);
    expect(verifiers[0]?.cached(KEY)?.valid).toBe(true);
    store.reconnect();
    expect(verifiers[0]?.cached(KEY)).toBeUndefined();
  });

  it.each(["reject", "hang"] as const)(
    "a store that fails (%s) never fails a request nor holds it past the store's timeout, and is logged once",
    async (fault) => {
      // A fake clock for timers: the store's 30 ms (and an invalidation's 2 s) pass on demand.
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      try {
        const { unkey, verifiers, store, logger } = instances(1, () => validAnswer());
        store.fault(fault);
        let settled = false;
        const first = verifiers[0]?.verify(KEY).finally(() => {
          settled = true;
        });
        if (fault === "hang") {
          // Held for the store's timeoutMs and not a moment more.
          await vi.advanceTimersByTimeAsync(29);
          expect(settled).toBe(false);
          await vi.advanceTimersByTimeAsync(1);
        }
        expect(await withoutMoreTime(() => settled)).toBe(true);
        expect(await first).toMatchObject({ valid: true, source: "upstream" });
        const invalidated = verifiers[0]?.invalidate(KEY);
        await vi.runAllTimersAsync();
        await invalidated;
        expect(await verifiers[0]?.verify(KEY)).toMatchObject({ valid: true });
        expect(unkey.count).toBe(2);
        const warnings = logger.warn.mock.calls.map(([message]) => String(message));
        const unavailable = warnings.filter((m) => m.includes("sharedCache unavailable"));
        expect(unavailable).toHaveLength(1);
        expect(unavailable[0]).toContain(fault === "hang" ? "no answer in 30 ms" : "store down");
        expect(warnings.join("\n")).not.toContain(KEY);
        expect(verifiers[0]?.stats().sharedErrors).toBeGreaterThan(0);
      } finally {
        vi.useRealTimers();
      }
    },
  );

  it("ignores and deletes an entry that is not a well-formed shareable entry", async () => {
    const { unkey, verifiers, store } = instances(1, () => validAnswer());
    await verifiers[0]?.verify(KEY);
    await tick();
    // The entry the verifier shared, replaced by one it never wrote.
    const [id] = [...store.entries.keys()] as [string];
    store.entries.set(id, {
      value: { kind: "valid", result: { valid: true, code: "VALID" }, freshUntil: 1 },
      until: Date.now() + 5000,
    });
    store.log.length = 0;
    verifiers[0]?.clear();
    expect(await verifiers[0]?.verify(KEY)).toMatchObject({ valid: true, source: "upstream" });
    expect(unkey.count).toBe(2);
    expect(store.log).toContain("delete");
  });

  it("keeps an entry written by an instance whose clock runs ahead no longer than its own TTL", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const store = memoryStore();
      const { unkey, verifiers } = instances(2, () => validAnswer(), store);
      // Instance 0's clock runs 60 s ahead when it asks Unkey and shares the answer.
      vi.setSystemTime(Date.now() + 60_000);
      await verifiers[0]?.verify(KEY);
      await tick();
      vi.setSystemTime(Date.now() - 60_000);
      expect(await verifiers[1]?.verify(KEY)).toMatchObject({ source: "cache" });
      // Past instance 1's own TTL (5 s), it asks Unkey again instead of trusting
      // the entry's far-future freshUntil.
      vi.setSystemTime(Date.now() + 5001);
      store.entries.clear();
      expect(await verifiers[1]?.verify(KEY)).toMatchObject({ source: "upstream" });
      expect(unkey.count).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps the answers of verifiers with different root keys apart (attacker review)", async () => {
    // One store shared by two verifiers whose root keys see different Unkey APIs:
    // a key valid for the first must not become valid for the second.
    const store = memoryStore();
    const publicApi = fakeUnkey(() => validAnswer());
    const adminApi = fakeUnkey(() => NOT_FOUND_ANSWER);
    const common = { sharedCache: store.store, logger: quietLogger(), cache: { ttlMs: 5000 } };
    const forPublic = createVerifier({ ...common, rootKey: ROOT_KEY, fetch: publicApi.fetch });
    const forAdmin = createVerifier({
      ...common,
      rootKey: `${ROOT_KEY}_admin`,
      fetch: adminApi.fetch,
    });
    expect(await forPublic.verify(KEY)).toMatchObject({ valid: true });
    await tick();
    expect(await forAdmin.verify(KEY)).toMatchObject({
      valid: false,
      code: "NOT_FOUND",
      source: "upstream",
    });
    expect(adminApi.count).toBe(1);
    expect(forAdmin.stats().sharedHits).toBe(0);
  });

  it("refuses a sharedCache without its methods, or with cache: false", () => {
    expect(() => createVerifier({ rootKey: ROOT_KEY, sharedCache: {} as SharedCache })).toThrow(
      /sharedCache/,
    );
    expect(() =>
      createVerifier({ rootKey: ROOT_KEY, cache: false, sharedCache: memoryStore().store }),
    ).toThrow(/sharedCache/);
  });
});

describe("invalidateKeyId without a shared cache", () => {
  it("drops every entry about the key id", async () => {
    const unkey = fakeUnkey(() => validAnswer());
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    await verifier.verify(KEY);
    await verifier.verify(`${KEY}x`);
    expect(verifier.cached(KEY)?.valid).toBe(true);
    await verifier.invalidateKeyId("key_1");
    expect(verifier.cached(KEY)).toBeUndefined();
    expect(verifier.cached(`${KEY}x`)).toBeUndefined();
  });
});

describe("a lease is freed even while the store is paused (attacker review)", () => {
  it("after a failed read pauses the store, the writer still deletes (frees) the lease", async () => {
    const { SharedTier } = await import("../src/verify/shared-cache");
    const calls: string[] = [];
    let failNext = true;
    const store: SharedCache = {
      idFor: (key) => `id:${key}`,
      async get() {
        if (failNext) {
          failNext = false;
          throw new Error("stalled");
        }
        return { lease: true };
      },
      async set(id) {
        calls.push(`set ${id}`);
      },
      async delete(target) {
        calls.push(`delete ${target.ids?.join(",")}`);
      },
      async publish() {},
      subscribe: () => () => {},
    };
    const tier = new SharedTier(store, { warn() {}, error() {} }, "scope");
    expect(await tier.find("id:other", 10)).toBeUndefined(); // fails: the store is paused 1 s
    const entry = {
      kind: "valid" as const,
      result: {
        valid: true,
        code: "VALID" as const,
        keyId: "k",
        roles: [],
        permissions: [],
        source: "cache" as const,
      },
      granted: new Set<string>(),
      freshUntil: Date.now() + 5000,
      staleUntil: Date.now() + 5000,
    };
    tier.write("id:held", entry, Date.now());
    await vi.waitFor(() => expect(calls).toEqual(["delete id:held"]));
  });
});

describe("the shared-cache scope", () => {
  it("includes migrationId: a verifier without it never serves a migrated key's entry", async () => {
    const store = memoryStore();
    // Unkey finds a key imported with keys.migrateKeys only when the migration is named.
    const unkey = fakeUnkey((body) =>
      (body as { migrationId?: string }).migrationId === "mig_1" ? validAnswer() : NOT_FOUND_ANSWER,
    );
    const options = { rootKey: ROOT_KEY, fetch: unkey.fetch, sharedCache: store.store };
    const migrated = createVerifier({ ...options, migrationId: "mig_1", logger: quietLogger() });
    const plain = createVerifier({ ...options, logger: quietLogger() });
    expect(await migrated.verify(KEY)).toMatchObject({ valid: true, source: "upstream" });
    await tick();
    expect(await plain.verify(KEY)).toMatchObject({ valid: false, code: "NOT_FOUND" });
    expect(plain.stats().sharedHits).toBe(0);
    expect(unkey.count).toBe(2);
  });
});

describe("invalidatedAt() with a sharedCache", () => {
  it("moves on another instance's invalidation heard on the bus, and on a reconnection", async () => {
    const { verifiers, store } = instances(2, () => validAnswer());
    const [a, b] = verifiers as [Verifier, Verifier];
    vi.useFakeTimers({ toFake: ["Date"], now: 1_800_000_000_000 });
    try {
      await a.invalidateKeyId("key_1");
      expect(await withoutMoreTime(() => b.invalidatedAt() === 1_800_000_000_000)).toBe(true);
      vi.setSystemTime(1_800_000_000_500);
      store.reconnect();
      expect(b.invalidatedAt()).toBe(1_800_000_000_500);
      expect(a.invalidatedAt()).toBe(1_800_000_000_500);
    } finally {
      vi.useRealTimers();
    }
  });
});
