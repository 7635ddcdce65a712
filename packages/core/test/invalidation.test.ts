import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { hashKey } from "../src/hash/web";
import type { VerifyResult } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { createCoalescedCall } from "../src/verify/coalesced-call";
import { createForgetting } from "../src/verify/invalidation";
import { createDirectFill } from "../src/verify/shared-fill";
import { remember } from "../src/verify/verifier-state";
import { deferred, type FakeAnswer, validAnswer } from "./fake-unkey";
import { memoryStore } from "./memory-store";
import { verifierParts } from "./verifier-parts";

const KEY = "sk_test_0123456789";
const T0 = Date.UTC(2026, 0, 1);

const valid = (keyId = "key_1") =>
  ({
    valid: true,
    code: "VALID",
    keyId,
    roles: [],
    permissions: [],
    source: "upstream",
  }) as VerifyResult;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

function forgettingParts(options: Parameters<typeof verifierParts>[1] = {}) {
  const parts = verifierParts(() => validAnswer(), { cache: { ttlMs: 5000 }, ...options });
  return { ...parts, forgetting: createForgetting(parts.state) };
}

describe("invalidation", () => {
  it("invalidateKeyId drops every entry of the key id, and remembers it", async () => {
    const { forgetting, state } = forgettingParts();
    remember(state, "hash_a", valid());
    remember(state, "hash_b", valid());
    remember(state, "hash_c", valid("key_2"));
    vi.setSystemTime(T0 + 5);
    await forgetting.invalidateKeyId("key_1");
    expect(state.cache?.get("hash_a", Date.now())).toBeUndefined();
    expect(state.cache?.get("hash_b", Date.now())).toBeUndefined();
    expect(state.cache?.get("hash_c", Date.now())).toBeDefined();
    expect(state.revocations.since(T0, [], { keyId: "key_1" })).toBe(true);
    expect(state.revocations.latest).toBe(T0 + 5);
  });

  it("invalidate(key) detaches the key's call in flight: its answer is not cached", async () => {
    const hold = deferred<FakeAnswer>();
    const parts = verifierParts(() => hold.promise, { cache: { ttlMs: 5000 } });
    const { state } = parts;
    const fill = createDirectFill(state, parts.upstream);
    const coalesced = createCoalescedCall(state, fill, parts.upstream, parts.failure);
    const hash = hashKey(KEY);
    const call = coalesced(hash, KEY, prepareRequest(undefined));
    await createForgetting(state).invalidate(KEY);
    expect(state.inflight.get(hash)).toBeUndefined();
    hold.resolve(validAnswer());
    await call;
    expect(state.cache?.get(hash, Date.now())).toBeUndefined();
  });

  it("invalidate(key) deletes the key's entry, and a value that is no string is ignored", async () => {
    const { forgetting, state } = forgettingParts();
    remember(state, hashKey(KEY), valid());
    await forgetting.invalidate(42 as unknown as string);
    expect(state.revocations.latest).toBe(0);
    await forgetting.invalidate(KEY);
    expect(state.cache?.get(hashKey(KEY), Date.now())).toBeUndefined();
    expect(state.revocations.latest).toBe(T0);
  });

  it("with cache: false, invalidate(key) is still recorded (a hand-off may predate it)", async () => {
    const { forgetting, state } = forgettingParts({ cache: false });
    await forgetting.invalidate(KEY);
    expect(state.revocations.latest).toBe(T0);
  });

  it("clear empties the cache and detaches every call, without naming any key", () => {
    const { forgetting, state } = forgettingParts();
    remember(state, "hash_a", valid());
    state.inflight.start("hash_b", undefined, () => new Promise(() => {}));
    forgetting.clear();
    expect(state.cache?.size).toBe(0);
    expect(state.inflight.get("hash_b")).toBeUndefined();
    expect(state.revocations.latest).toBe(T0);
    expect(state.revocations.since(0, [], { keyId: "key_1" })).toBe(false);
  });

  it("a drop from the bus finds the entry and the call in flight under their shared names", () => {
    const store = memoryStore();
    const { forgetting, state } = forgettingParts({ sharedCache: store.store });
    const id = state.shared?.idFor(KEY) ?? "";
    remember(state, "hash_a", valid(), [id]);
    state.filling.set(id, "hash_b");
    const inFlight = state.inflight.start("hash_b", undefined, () => new Promise(() => {}));
    forgetting.drop({ ids: [id] });
    expect(state.cache?.get("hash_a", Date.now())).toBeUndefined();
    expect(inFlight.detached).toBe(true);
    expect(state.revocations.since(T0, [id], undefined)).toBe(true);
  });

  it("with a shared cache, invalidate(key) deletes the shared entry and tells every instance", async () => {
    const store = memoryStore();
    const { forgetting } = forgettingParts({ sharedCache: store.store });
    await forgetting.invalidate(KEY);
    expect(store.log).toEqual(["delete", "publish"]);
    await forgetting.invalidateKeyId("key_1");
    expect(store.log).toEqual(["delete", "publish", "delete", "publish"]);
    await forgetting.invalidateKeyId("");
    expect(store.log).toHaveLength(4);
  });
});
