import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VerifyResult } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { type CacheEntry, entryFor } from "../src/verify/cache";
import { createMeteredCall } from "../src/verify/metered-call";
import { Announcements, meteredNews } from "../src/verify/metered-news";
import { remember } from "../src/verify/verifier-state";
import type { FakeAnswer } from "./fake-unkey";
import { validAnswer } from "./fake-unkey";
import { memoryStore } from "./memory-store";
import { verifierParts } from "./verifier-parts";

const KEY = "sk_test_0123456789";
const HASH = "hash_of_the_key";
const T0 = Date.UTC(2026, 0, 1);
const POLICY = { ttlMs: 5000, negativeTtlMs: 1000, staleIfErrorMs: 0 };
const PAID = prepareRequest({ cost: 1 });

const answer = (extra: Partial<VerifyResult>): VerifyResult => ({
  valid: true,
  code: "VALID",
  keyId: "key_1",
  roles: [],
  permissions: ["docs.read"],
  source: "upstream",
  ...extra,
});
const entryOf = (result: VerifyResult) => entryFor(result, T0, POLICY) as CacheEntry;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("meteredNews: what a metered answer tells the other instances", () => {
  it("a refusal of the key this instance had not seen, once", () => {
    const disabled = answer({ valid: false, code: "DISABLED" });
    expect(meteredNews(entryOf(answer({})), disabled)).toEqual({ keyId: "key_1" });
    expect(meteredNews(undefined, disabled)).toEqual({ keyId: "key_1" });
    expect(meteredNews(entryOf(disabled), disabled)).toBeUndefined();
  });

  it("a NOT_FOUND (no key id) only when this instance knew the key as usable: random keys are no news", () => {
    const notFound = answer({ valid: false, code: "NOT_FOUND", keyId: undefined });
    expect(meteredNews(entryOf(answer({})), notFound)).toEqual({ keyId: undefined });
    expect(meteredNews(undefined, notFound)).toBeUndefined();
    expect(meteredNews(entryOf(notFound), notFound)).toBeUndefined();
  });

  it("the key metered now, or another permission set; nothing when nothing changed", () => {
    expect(meteredNews(entryOf(answer({})), answer({ credits: 9 }))).toEqual({ keyId: "key_1" });
    expect(meteredNews(entryOf(answer({ credits: 9 })), answer({ credits: 8 }))).toBeUndefined();
    expect(meteredNews(entryOf(answer({})), answer({ permissions: ["admin"] }))).toEqual({
      keyId: "key_1",
    });
    expect(meteredNews(entryOf(answer({})), answer({}))).toBeUndefined();
  });
});

describe("Announcements", () => {
  it("lets one piece of news out once a second", () => {
    const announcements = new Announcements();
    expect(announcements.take("DISABLED:key_1", T0)).toBe(true);
    expect(announcements.take("DISABLED:key_1", T0 + 999)).toBe(false);
    expect(announcements.take("EXPIRED:key_1", T0 + 999)).toBe(true);
    expect(announcements.take("DISABLED:key_1", T0 + 1000)).toBe(true);
  });
});

describe("the metered call", () => {
  const meteredParts = (
    reply: () => FakeAnswer | Promise<FakeAnswer>,
    sharedCache?: ReturnType<typeof memoryStore>,
    negativeTtlMs = 1000,
  ) => {
    const parts = verifierParts(reply, {
      cache: { ttlMs: 5000, negativeTtlMs },
      sharedCache: sharedCache?.store,
    });
    return { ...parts, metered: createMeteredCall(parts.state, parts.upstream) };
  };

  it("reaches Unkey on every call and keeps no allow: credits and limits are Unkey's to count", async () => {
    const { metered, unkey, state } = meteredParts(() =>
      validAnswer({ permissions: ["docs.read"] }),
    );
    for (let i = 0; i < 3; i++)
      expect(await metered(HASH, KEY, PAID)).toMatchObject({ valid: true, source: "upstream" });
    expect(unkey.count).toBe(3);
    expect(state.cache?.get(HASH, Date.now())).toBeUndefined();
  });

  it("a refusal of the key replaces the entry plain routes serve", async () => {
    const { metered, state } = meteredParts(() => ({
      valid: false,
      code: "DISABLED",
      keyId: "key_1",
    }));
    remember(state, HASH, answer({}));
    await metered(HASH, KEY, PAID);
    expect(state.cache?.get(HASH, Date.now())?.result).toMatchObject({ code: "DISABLED" });
  });

  it("a key found metered leaves the metered marker, so plain routes charge it from then on", async () => {
    const { metered, state } = meteredParts(() => validAnswer({ credits: 9 }));
    remember(state, HASH, answer({}));
    await metered(HASH, KEY, PAID);
    expect(state.cache?.get(HASH, Date.now())?.kind).toBe("metered");
  });

  it("a metered refusal or another permission set drops the entry: the next request asks Unkey", async () => {
    const exhausted = meteredParts(() => ({
      valid: false,
      code: "USAGE_EXCEEDED",
      keyId: "key_1",
      credits: 0,
    }));
    remember(exhausted.state, HASH, answer({}));
    await exhausted.metered(HASH, KEY, PAID);
    expect(exhausted.state.cache?.get(HASH, Date.now())).toBeUndefined();

    const regranted = meteredParts(() => validAnswer({ permissions: ["admin"] }));
    remember(regranted.state, HASH, answer({}));
    await regranted.metered(HASH, KEY, PAID);
    expect(regranted.state.cache?.get(HASH, Date.now())).toBeUndefined();
  });

  it("with a shared cache: news is published once, a refusal already known is only written", async () => {
    const store = memoryStore();
    const { metered, state } = meteredParts(
      () => ({ valid: false, code: "DISABLED", keyId: "key_1" }),
      store,
    );
    remember(state, HASH, answer({}));
    await metered(HASH, KEY, PAID);
    await vi.waitFor(() => expect(store.log).toContain("publish"));
    const published = store.log.filter((entry) => entry === "publish").length;
    await metered(HASH, KEY, PAID); // the same refusal: no news now, the entry shared
    await vi.waitFor(() => expect(store.log.at(-1)).toBe("set"));
    expect(store.log.filter((entry) => entry === "publish").length).toBe(published);
    expect([...store.entries.values()][0]?.value).toMatchObject({ kind: "negative" });
  });

  it("with a shared cache: news the cache cannot hold (negativeTtlMs: 0) is published once a second, not per request", async () => {
    const store = memoryStore();
    const { metered } = meteredParts(
      () => ({ valid: false, code: "DISABLED", keyId: "key_1" }),
      store,
      0,
    );
    const publishes = () => store.log.filter((entry) => entry === "publish").length;
    await metered(HASH, KEY, PAID);
    await vi.waitFor(() => expect(publishes()).toBe(1));
    await metered(HASH, KEY, PAID);
    await metered(HASH, KEY, PAID);
    await new Promise((resolve) => setImmediate(resolve));
    expect(publishes()).toBe(1);
    vi.setSystemTime(T0 + 1000);
    await metered(HASH, KEY, PAID);
    await vi.waitFor(() => expect(publishes()).toBe(2));
  });

  it("an answer to a call made before an invalidation is not cached (attacker s37: DISABLED served after invalidateKeyId)", async () => {
    let release: (answer: FakeAnswer) => void = () => {};
    const { metered, state, unkey } = meteredParts(
      () =>
        new Promise<FakeAnswer>((resolve) => {
          release = resolve;
        }),
    );
    const inFlight = metered(HASH, KEY, PAID);
    await vi.waitFor(() => expect(unkey.count).toBe(1));
    state.revocations.record(Date.now(), [], ["key_1"]); // invalidateKeyId while the call is out
    release({ valid: false, code: "DISABLED", keyId: "key_1" });
    expect(await inFlight).toMatchObject({ code: "DISABLED" });
    expect(state.cache?.get(HASH, Date.now())).toBeUndefined();
  });

  it("with a shared cache: an answer that changes nothing touches no store", async () => {
    const store = memoryStore();
    const { metered, state } = meteredParts(
      () => validAnswer({ permissions: ["docs.read"] }),
      store,
    );
    remember(state, HASH, answer({}));
    await metered(HASH, KEY, PAID);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.log).toEqual([]);
  });
});
