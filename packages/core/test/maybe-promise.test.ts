import { describe, expect, it } from "vitest";
import { isPromise } from "../src/adapter";

describe("isPromise", () => {
  it("tells a pending answer from a settled one", () => {
    expect(isPromise(Promise.resolve(1))).toBe(true);
    expect(isPromise({ allowed: true })).toBe(false);
    expect(isPromise(null)).toBe(false);
    expect(isPromise(undefined)).toBe(false);
    expect(isPromise("then")).toBe(false);
  });
});
