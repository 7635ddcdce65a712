import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startHeartbeat } from "../src/heartbeat";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A connection whose pings the test answers (or not), counting what the heartbeat does. */
function connection() {
  const pending: Array<() => void> = [];
  const counts = { pings: 0, missed: 0, answered: 0 };
  let connected = true;
  const options = {
    intervalMs: 1000,
    timeoutMs: 300,
    connected: () => connected,
    ping: () => {
      counts.pings++;
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    missed: () => counts.missed++,
    answered: () => counts.answered++,
  };
  return {
    counts,
    options,
    answer: () => pending.shift()?.(),
    setConnected: (value: boolean) => {
      connected = value;
    },
  };
}

describe("startHeartbeat", () => {
  it("pings every interval, one at a time; an answer in time is no miss", async () => {
    const c = connection();
    const stop = startHeartbeat(c.options);
    expect(c.counts.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.counts.pings).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    c.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.counts).toEqual({ pings: 1, missed: 0, answered: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.counts.pings).toBe(2);
    stop();
  });

  it("a ping unanswered past its deadline is one miss, and the next ping follows an interval later", async () => {
    const c = connection();
    const stop = startHeartbeat(c.options);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(299);
    expect(c.counts.missed).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(c.counts).toEqual({ pings: 1, missed: 1, answered: 0 });
    c.answer(); // late: no verdict any more
    await vi.advanceTimersByTimeAsync(999);
    expect(c.counts).toEqual({ pings: 1, missed: 1, answered: 0 });
    await vi.advanceTimersByTimeAsync(1);
    expect(c.counts.pings).toBe(2);
    stop();
  });

  it("sends nothing while the connection is down (a reconnect in progress is not a miss), and nothing after stop", async () => {
    const c = connection();
    const stop = startHeartbeat(c.options);
    c.setConnected(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.counts).toEqual({ pings: 0, missed: 0, answered: 0 });
    c.setConnected(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.counts.pings).toBe(1);
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(c.counts).toEqual({ pings: 1, missed: 0, answered: 0 });
  });
});
