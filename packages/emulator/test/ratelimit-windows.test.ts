import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";
import { fakeClock, type Json } from "./helpers";

const MINUTE = 60_000;
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

// Windows of ratelimit.limit identifiers: test/sliding-window.test.ts ("drops a window once it
// and the next one have passed"). Here: a key's limits, counted by keys.verifyKey.
describe("rate-limit windows in memory (attacker review)", () => {
  it("drops key rate-limit windows too (keys.verifyKey)", async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 15, 12, 0, 0));
    emulator = await startEmulator({ now: clock.now });
    const { apiId } = await emulator.call<Json>("apis.createApi", { name: "windows" });
    const { key } = await emulator.call<Json>("keys.createKey", {
      apiId,
      ratelimits: [{ name: "requests", limit: 5, duration: 1000, autoApply: true }],
    });
    const verify = () => (emulator as Emulator).call<Json>("keys.verifyKey", { key });
    const monthly = () =>
      (emulator as Emulator).call<Json>("ratelimit.limit", {
        namespace: "other",
        identifier: "x",
        limit: 100,
        duration: 2_592_000_000,
      });
    expect((await verify()).valid).toBe(true);
    await monthly();
    expect(emulator.stats().ratelimitWindows).toBe(2);
    clock.advance(5 * MINUTE);
    expect((await monthly()).remaining).toBe(98);
    expect(emulator.stats().ratelimitWindows).toBe(1); // the key's 1 s window is gone, the month's kept
  });
});
