import { describe, expect, it, vi } from "vitest";
import { hookBoolean, whenSettled } from "../src/adapter";

describe("hookBoolean", () => {
  it("passes a boolean through synchronously and awaits a promise of one", async () => {
    expect(hookBoolean("skip", true)).toBe(true);
    expect(hookBoolean("skip", false)).toBe(false);
    await expect(hookBoolean("skip", Promise.resolve(false))).resolves.toBe(false);
  });

  it("refuses anything else, naming the hook: a truthy promise never reads as true", async () => {
    expect(() => hookBoolean("skip", "yes")).toThrow(
      "`skip` must return a boolean (or a promise of one), got string.",
    );
    expect(() => hookBoolean("shouldSkip", null)).toThrow(/`shouldSkip`.*got null/);
    await expect(hookBoolean("skip", Promise.resolve(1))).rejects.toThrow(/got number/);
  });
});

describe("whenSettled", () => {
  it("runs at once on a settled value; a throw reaches the caller", () => {
    const then = vi.fn();
    whenSettled(1, then, vi.fn());
    expect(then).toHaveBeenCalledWith(1);
    expect(() =>
      whenSettled(
        1,
        () => {
          throw new Error("sync");
        },
        vi.fn(),
      ),
    ).toThrow("sync");
  });

  it("sends a rejection and a throw of the continuation to fail, leaving no rejected promise", async () => {
    const failures: unknown[] = [];
    const fail = (error: unknown) => failures.push((error as Error).message);
    whenSettled(Promise.reject(new Error("rejected")), vi.fn(), fail);
    whenSettled(
      Promise.resolve(1),
      () => {
        throw new Error("thrown");
      },
      fail,
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(failures).toEqual(["rejected", "thrown"]);
  });
});
