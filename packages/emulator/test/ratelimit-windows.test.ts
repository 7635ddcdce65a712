import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";
import { fakeClock, type Json } from "./helpers";

const MINUTE = 60_000;
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe("rate-limit windows in memory (attacker review)", () => {
  it("drops the windows of identifiers that stopped calling once they can no longer count, and keeps the live ones", async () => {
    // On a minute boundary: windows are aligned to the duration.
    const clock = fakeClock(Date.UTC(2025, 0, 15, 12, 0, 0));
    emulator = await startEmulator({ now: clock.now });
    const running = emulator;
    const limit = (identifier: string, max = 100) =>
      running.call<Json>("ratelimit.limit", {
        namespace: "login",
        identifier,
        limit: max,
        duration: MINUTE,
      });
    // One identifier per client IP: 200 that each call once and never again.
    for (let batch = 0; batch < 200; batch += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => limit(`ip-${batch + i}`)));
    }
    expect((await limit("steady", 1)).success).toBe(true);
    expect(running.stats().ratelimitWindows).toBe(201);

    // Next window: the old ones are Unkey's "previous window" now and still count there.
    clock.advance(MINUTE);
    expect((await limit("steady", 1)).success).toBe(true);
    expect(running.stats().ratelimitWindows).toBe(201);

    // Past the window after theirs: they can never count again, and are gone.
    clock.advance(MINUTE);
    expect((await limit("another")).success).toBe(true);
    expect(running.stats().ratelimitWindows).toBe(2); // steady's last window, and another's

    // The live identifier is still counted: its current window was kept.
    expect((await limit("steady", 1)).success).toBe(true);
    expect((await limit("steady", 1)).success).toBe(false);
  });

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
    await emulator.call("apis.createApi", { name: "no limits here" });
    expect(emulator.stats().ratelimitWindows).toBe(2); // swept by a rate-limit check, not by every call
    expect((await monthly()).remaining).toBe(98);
    expect(emulator.stats().ratelimitWindows).toBe(1); // the key's 1 s window is gone, the month's kept
  });
});
