import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier } from "../src/index";
import { deferred } from "./fake-unkey";

// The flow the `invalidateKeyId` JSDoc shows, against the emulator, with a verification
// already out when the key is revoked: the emulator answers it at once (VALID, the key is
// still enabled), and the wrapper below holds that answer until the test lets it through.

let emulator: Emulator;
let apiId: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "race" }));
});
afterAll(async () => {
  await emulator.stop();
});

/** `fetch` to the emulator whose next answer is held until `release()`. */
function holdingFetch() {
  const gate = deferred<void>();
  let holding = true;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    if (!holding) return response;
    holding = false;
    await gate.promise;
    return response;
  };
  return { fetch, release: () => gate.resolve() };
}

const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;

describe("invalidateKeyId without a sharedCache, with a verification in flight", () => {
  it("never caches the earlier VALID answer, and no later request joins the call made before it", async () => {
    const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
    });
    const held = holdingFetch();
    const verifier = createVerifier({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      fetch: held.fetch,
      cache: { ttlMs: 60_000 },
    });
    const before = verifyCalls();
    const early = verifier.verify(key);
    while (verifyCalls() === before) await new Promise((resolve) => setImmediate(resolve));

    await emulator.call("keys.updateKey", { keyId, enabled: false });
    await verifier.invalidateKeyId(keyId);
    // Asked after the revocation: its own call, not the one made before it.
    const late = verifier.verify(key);
    held.release();

    expect(await early).toMatchObject({ valid: true, source: "upstream" });
    expect(await late).toMatchObject({ valid: false, code: "DISABLED", source: "upstream" });
    expect(await verifier.verify(key)).toMatchObject({ valid: false, code: "DISABLED" });
    expect(verifyCalls() - before).toBeGreaterThanOrEqual(2);
  });
});
