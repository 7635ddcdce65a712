import { describe, expect, it } from "vitest";
import { pinsMode } from "./mode";

describe("the pins mode", () => {
  it("is pinned unless KEYGUARD_PINS says otherwise", () => {
    expect(pinsMode({})).toBe("pinned");
    expect(pinsMode({ KEYGUARD_PINS: "" })).toBe("pinned");
    expect(pinsMode({ KEYGUARD_PINS: "drift" })).toBe("drift");
    expect(pinsMode({ KEYGUARD_PINS: "update" })).toBe("update");
  });

  it("refuses an unknown value, naming the variable, rather than pinning silently", () => {
    expect(() => pinsMode({ KEYGUARD_PINS: "latest" })).toThrow(
      'KEYGUARD_PINS must be one of pinned, update, drift (got "latest")',
    );
  });
});
