import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier } from "../src/index";
import { deferred } from "./fake-unkey";

// invalidateIdentity against the emulator, whose keys carry the identity Unkey returns
// (`identity.externalId`): the cache must index its entries by it.

let emulator: Emulator;
let apiId: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "identity" }));
});
afterAll(async () => {
  await emulator.stop();
});

let identities = 0;
/** Two keys of one new identity and one key of another. */
async function keysOfTwoIdentities() {
  const suspended = `customer_${++identities}`;
  const other = `customer_${++identities}`;
  const create = (externalId: string) =>
    emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId, externalId });
  return {
    suspended,
    ofSuspended: [await create(suspended), await create(suspended)],
    ofOther: await create(other),
  };
}

const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;

/** `fetch` to the emulator whose next answer is held until `release()`. */
function holdingFetch() {
  const gate = deferred<void>();
  let holding = false;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    if (!holding) return response;
    holding = false;
    await gate.promise;
    return response;
  };
  return { fetch, hold: () => (holding = true), release: () => gate.resolve() };
}

describe("verifier.invalidateIdentity(externalId), in-process", () => {
  it("drops the cached entries of every key of the identity and keeps another identity's", async () => {
    const { suspended, ofSuspended, ofOther } = await keysOfTwoIdentities();
    const verifier = createVerifier({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      cache: { ttlMs: 60_000 },
    });
    for (const { key } of [...ofSuspended, ofOther]) await verifier.verify(key);
    for (const { key } of [...ofSuspended, ofOther])
      expect(verifier.cached(key)?.identity?.externalId).toBeDefined();

    for (const { keyId } of ofSuspended)
      await emulator.call("keys.updateKey", { keyId, enabled: false });
    await verifier.invalidateIdentity(suspended);

    for (const { key } of ofSuspended) expect(verifier.cached(key)).toBeUndefined();
    expect(verifier.cached(ofOther.key)).toMatchObject({ valid: true, source: "cache" });
    const before = verifyCalls();
    for (const { key } of ofSuspended)
      expect(await verifier.verify(key)).toMatchObject({ code: "DISABLED", source: "upstream" });
    expect(await verifier.verify(ofOther.key)).toMatchObject({ valid: true, source: "cache" });
    expect(verifyCalls() - before).toBe(2);
  });

  it("never caches the answer of a verification in flight when the identity is invalidated", async () => {
    const { suspended, ofSuspended } = await keysOfTwoIdentities();
    const [{ key, keyId }] = ofSuspended as [{ key: string; keyId: string }];
    const held = holdingFetch();
    const verifier = createVerifier({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      fetch: held.fetch,
      cache: { ttlMs: 60_000 },
    });
    held.hold();
    const before = verifyCalls();
    const early = verifier.verify(key);
    while (verifyCalls() === before) await new Promise((resolve) => setImmediate(resolve));

    await emulator.call("keys.updateKey", { keyId, enabled: false });
    // Nothing is cached yet: only the answer (its identity) can tell it was invalidated.
    await verifier.invalidateIdentity(suspended);
    const late = verifier.verify(key);
    held.release();

    expect(await early).toMatchObject({ valid: true, source: "upstream" });
    expect(await late).toMatchObject({ valid: false, code: "DISABLED", source: "upstream" });
    // The VALID answered before the revocation was not kept.
    expect(verifier.cached(key)?.valid).not.toBe(true);
    expect(await verifier.verify(key)).toMatchObject({ valid: false, code: "DISABLED" });
  });

  it("rejects with a TypeError naming the argument unless given a non-empty string", async () => {
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    await expect(verifier.invalidateIdentity("")).rejects.toThrow(
      /invalidateIdentity\(externalId\).*non-empty string; got an empty string/,
    );
    await expect(verifier.invalidateIdentity(42 as unknown as string)).rejects.toThrow(TypeError);
    expect(verifier.invalidatedAt()).toBe(0);
  });
});
