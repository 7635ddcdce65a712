import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VerifyResult } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { type CacheEntry, entryFor, sharedEntryOf } from "../src/verify/cache";
import { createSharedFill } from "../src/verify/shared-fill";
import { deferred, type FakeAnswer, validAnswer } from "./fake-unkey";
import { memoryStore } from "./memory-store";
import { verifierParts } from "./verifier-parts";

const KEY = "sk_test_0123456789";
const HASH = "hash_of_the_key";
const T0 = Date.UTC(2026, 0, 1);
const PLAIN = prepareRequest(undefined);
const attached = () => true;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

function sharedParts(reply: () => FakeAnswer | Promise<FakeAnswer> = () => validAnswer()) {
  const store = memoryStore();
  const parts = verifierParts(reply, { cache: { ttlMs: 5000 }, sharedCache: store.store });
  const tier = parts.state.shared;
  if (tier === undefined) throw new Error("no shared tier");
  const fill = createSharedFill(parts.state, tier, parts.upstream, parts.resolved.timeoutMs);
  /** Writes what another instance would have written for KEY, its call made at `askedAt`. */
  const writtenElsewhere = async (askedAt: number) => {
    const result = { ...validAnswer(), source: "upstream" } as unknown as VerifyResult;
    const entry = entryFor(result, askedAt, { ttlMs: 5000, negativeTtlMs: 0, staleIfErrorMs: 0 });
    const shared = sharedEntryOf(entry as CacheEntry, askedAt);
    if (shared === undefined) throw new Error("nothing to share");
    await store.store.set(tier.idFor(KEY), shared, 5000);
  };
  return { ...parts, store, tier, fill, writtenElsewhere };
}

describe("the shared fill: an L1 miss with a shared cache", () => {
  it("takes another instance's entry: no call to Unkey, kept in L1 under its shared names", async () => {
    const { fill, writtenElsewhere, unkey, state, tier } = sharedParts();
    await writtenElsewhere(T0);
    const { result, entry } = await fill(HASH, KEY, PLAIN, attached);
    expect(result).toMatchObject({ valid: true, keyId: "key_1", source: "cache" });
    expect(entry?.kind).toBe("valid");
    expect(unkey.count).toBe(0);
    expect(state.counters.sharedHits).toBe(1);
    expect(state.cache?.hashOfShared(tier.idFor(KEY))).toBe(HASH);
  });

  it("else asks Unkey, keeps the answer in L1 and shares it", async () => {
    const { fill, unkey, store, state } = sharedParts();
    const { result, entry } = await fill(HASH, KEY, PLAIN, attached);
    expect(result).toMatchObject({ valid: true, source: "upstream" });
    expect(entry?.kind).toBe("valid");
    expect(unkey.count).toBe(1);
    expect(state.cache?.get(HASH, Date.now())?.kind).toBe("valid");
    await vi.waitFor(() => expect(store.entries.size).toBe(1));
  });

  it("refuses and deletes an entry whose call started before a revocation heard here", async () => {
    const { fill, writtenElsewhere, unkey, store, state } = sharedParts();
    await writtenElsewhere(T0);
    vi.setSystemTime(T0 + 10);
    state.revocations.record(Date.now(), [], ["key_1"]);
    vi.setSystemTime(T0 + 20);
    const { result } = await fill(HASH, KEY, PLAIN, attached);
    expect(result.source).toBe("upstream");
    expect(unkey.count).toBe(1);
    expect(state.counters.sharedHits).toBe(0);
    expect(store.log).toContain("delete");
  });

  it("keeps nothing of an answer to a call detached while out, and frees the lease", async () => {
    const { fill, store, state } = sharedParts();
    const { result, entry } = await fill(HASH, KEY, PLAIN, () => false);
    expect(result).toMatchObject({ valid: true, source: "upstream" });
    expect(entry).toBeUndefined();
    expect(state.cache?.get(HASH, Date.now())).toBeUndefined();
    await vi.waitFor(() => expect(store.log.at(-1)).toBe("delete"));
    expect(store.entries.size).toBe(0);
  });

  it("names the key as filling while its call is out, so that a remote invalidation finds the call", async () => {
    const hold = deferred<FakeAnswer>();
    const { fill, state, tier } = sharedParts(() => hold.promise);
    const call = fill(HASH, KEY, PLAIN, attached);
    await vi.waitFor(() => expect(state.filling.get(tier.idFor(KEY))).toBe(HASH));
    hold.resolve(validAnswer());
    await call;
    expect(state.filling.size).toBe(0);
  });
});
