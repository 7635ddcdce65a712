import { afterEach, describe, expect, it, vi } from "vitest";
import { createVerifier } from "../src/index";
import { ROOT_KEY } from "./fake-unkey";

// What `@keyguard/next` compares a hand-off's signing time with: the verifier's latest
// invalidation of any kind. No call to Unkey is made by any of these.
afterEach(() => vi.useRealTimers());

const KEY = "sk_test_0123456789";

describe("verifier.invalidatedAt()", () => {
  it("is 0 until the verifier forgets anything", () => {
    expect(createVerifier({ rootKey: ROOT_KEY }).invalidatedAt()).toBe(0);
  });

  const forget = [
    ["invalidate(key)", (v: ReturnType<typeof createVerifier>) => v.invalidate(KEY)],
    [
      "invalidateKeyId(keyId)",
      (v: ReturnType<typeof createVerifier>) => v.invalidateKeyId("key_1"),
    ],
    ["clear()", (v: ReturnType<typeof createVerifier>) => v.clear()],
  ] as const;

  for (const cache of [{ ttlMs: 5_000 }, false] as const) {
    it.each(forget)(
      `is the time of the latest %s (cache: ${JSON.stringify(cache)})`,
      async (_, call) => {
        vi.useFakeTimers({ toFake: ["Date"], now: 1_800_000_000_000 });
        const verifier = createVerifier({ rootKey: ROOT_KEY, cache });
        await call(verifier);
        expect(verifier.invalidatedAt()).toBe(1_800_000_000_000);
        vi.setSystemTime(1_800_000_000_250);
        await call(verifier);
        expect(verifier.invalidatedAt()).toBe(1_800_000_000_250);
      },
    );
  }

  it("ignores calls that name nothing (an empty key id, a non-string)", async () => {
    const verifier = createVerifier({ rootKey: ROOT_KEY });
    await verifier.invalidateKeyId("");
    await verifier.invalidate(42 as unknown as string);
    expect(verifier.invalidatedAt()).toBe(0);
  });
});
