// The parts startEmulator is composed of, each alone: which path names an operation, which
// fault applies to a call and whether it replaces the answer, the delayed answers that
// stop() cancels, and the call counts stats() reports.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CallCounter } from "../src/call-counter";
import { Delays } from "../src/delays";
import { faultFor, faultReplaces, GATEWAY_OUTAGE } from "../src/fault";
import { operationOf } from "../src/request-handler";

describe("operationOf", () => {
  it.each([
    ["/v2/keys.verifyKey", "keys.verifyKey"],
    ["/v2/keys.verifyKey?x=1", "keys.verifyKey"],
    ["/v2/ratelimit.limit", "ratelimit.limit"],
  ])("%s names %s", (url, operation) => {
    expect(operationOf(url)).toBe(operation);
  });

  it.each([
    "/v2/keys.nothing",
    "/v1/keys.verifyKey",
    "/keys.verifyKey",
    "/v2/",
    "/v2/liveness",
    "/v2/toString",
    "/v2/__proto__",
    "",
  ])("%s names none", (url) => {
    expect(operationOf(url)).toBeUndefined();
  });
});

describe("faultFor", () => {
  it("applies to keys.verifyKey only, unless the fault names its operations", () => {
    const fault = { status: 503 };
    expect(faultFor(fault, "keys.verifyKey")).toBe(fault);
    expect(faultFor(fault, "ratelimit.limit")).toBeNull();
    const named = { status: 503, operations: ["ratelimit.limit"] };
    expect(faultFor(named, "ratelimit.limit")).toBe(named);
    expect(faultFor(named, "keys.verifyKey")).toBeNull();
    expect(faultFor(null, "keys.verifyKey")).toBeNull();
  });
});

describe("faultReplaces", () => {
  it.each([
    [{ status: 503 }, true],
    [{ body: "{not json" }, true],
    [{ contentType: "text/plain" }, true],
    [{ hang: true }, true],
    [{ reset: true }, true],
    [GATEWAY_OUTAGE, true],
    [{ latencyMs: 3_000 }, false],
    [{ hang: false, reset: false, latencyMs: 10 }, false],
  ])("%j replaces the answer: %s", (fault, replaces) => {
    expect(faultReplaces(fault)).toBe(replaces);
  });
});

describe("Delays", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs at once without a delay, after it otherwise", () => {
    vi.useFakeTimers();
    const delays = new Delays();
    const ran: string[] = [];
    delays.later(0, () => ran.push("now"));
    delays.later(-5, () => ran.push("negative"));
    delays.later(100, () => ran.push("late"));
    expect(ran).toEqual(["now", "negative"]);
    vi.advanceTimersByTime(99);
    expect(ran).toEqual(["now", "negative"]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(["now", "negative", "late"]);
  });

  it("clear() cancels what has not run yet and leaves no timer behind", () => {
    vi.useFakeTimers();
    const delays = new Delays();
    const ran: number[] = [];
    delays.later(10, () => ran.push(10));
    delays.later(50, () => ran.push(50));
    vi.advanceTimersByTime(10);
    delays.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual([10]);
  });
});

describe("CallCounter", () => {
  it("counts per operation and in total; a snapshot is a copy; reset starts over", () => {
    const counter = new CallCounter();
    counter.count("keys.verifyKey");
    counter.count("keys.verifyKey");
    counter.count("liveness");
    const first = counter.snapshot();
    counter.count("keys.verifyKey");
    expect(first).toEqual({ calls: { "keys.verifyKey": 2, liveness: 1 }, total: 3 });
    expect(counter.snapshot()).toEqual({ calls: { "keys.verifyKey": 3, liveness: 1 }, total: 4 });
    counter.reset();
    expect(counter.snapshot()).toEqual({ calls: {}, total: 0 });
  });

  it("counts an operation named like an Object.prototype member as any other", () => {
    const counter = new CallCounter();
    counter.count("constructor");
    expect(counter.snapshot().calls).toEqual({ constructor: 1 });
  });
});
