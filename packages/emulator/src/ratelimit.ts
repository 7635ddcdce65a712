/** The outcome of one rate-limit check. */
export interface WindowResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Unix ms when the current window ends. */
  reset: number;
}

/** One check: a counter (namespace + identifier + duration, as Unkey keys it), a limit and a cost. */
export interface LimitRequest {
  namespace: string;
  identifier: string;
  limit: number;
  duration: number;
  cost: number;
}

interface Window {
  start: number;
  used: number;
  /** When the window can no longer count: see {@link deadAt}. */
  deadAt: number;
}

/**
 * A window counts while it is current and, as Unkey's sliding window reads the
 * previous window too (internal/services/ratelimit/ratelimit.go), through the
 * next one: from the end of that one it can never count again. The emulator
 * keeps Unkey's lifetime so that dropping a window never changes an answer
 * whichever way its windows are read.
 */
function deadAt(start: number, duration: number): number {
  return start + 2 * duration;
}

/** Sweeps run at most this often (Unkey's shortest duration, 1 s): a sweep walks every window. */
const SWEEP_EVERY_MS = 1000;

// internal/services/ratelimit/ratelimit.go keys counters by workspace,
// namespace, identifier and duration: the limit is not part of the key.
function counterKey(request: LimitRequest): string {
  return `${request.namespace}\u0000${request.identifier}\u0000${request.duration}`;
}

/**
 * Fixed windows aligned to the duration (a 60 s limit resets on the minute).
 * Unkey weights in the previous window too (a sliding window); the emulator
 * does not, so that tests under a fake clock are predictable. Windows live in
 * memory only, and are dropped once they can no longer count: a client cycling
 * through identifiers (one per IP, per user) would otherwise grow the heap for
 * as long as the emulator runs.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();
  /** The earliest `deadAt` of a stored window (or later): no sweep before it finds anything. */
  private nextSweepAt = Number.POSITIVE_INFINITY;

  /** Windows stored now (for `stats()`). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Drops every window that can no longer count. Runs on the calls themselves
   * (the clock is the caller's, often a fake one), at most once per
   * {@link SWEEP_EVERY_MS} and only once some window has died.
   */
  private evict(now: number): void {
    if (now < this.nextSweepAt) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, window] of this.windows) {
      if (window.deadAt <= now) this.windows.delete(key);
      else if (window.deadAt < next) next = window.deadAt;
    }
    this.nextSweepAt = Math.max(next, now + SWEEP_EVERY_MS);
  }

  private used(key: string, start: number): number {
    const window = this.windows.get(key);
    return window && window.start === start ? window.used : 0;
  }

  /**
   * Checks every request and consumes only if all pass (all or nothing), as
   * Unkey's `RatelimitMany`: a failed entry reports `remaining: 0`; an entry
   * that passed while another failed reports what it would have left had
   * nothing been consumed.
   */
  limitMany(requests: readonly LimitRequest[], now: number): WindowResult[] {
    this.evict(now);
    const checks = requests.map((request) => {
      const key = counterKey(request);
      const start = Math.floor(now / request.duration) * request.duration;
      const effective = this.used(key, start) + request.cost;
      return { request, key, start, effective, passed: effective <= request.limit };
    });
    const allPassed = checks.every((c) => c.passed);
    if (allPassed) {
      for (const c of checks) {
        const dies = deadAt(c.start, c.request.duration);
        this.windows.set(c.key, { start: c.start, used: c.effective, deadAt: dies });
        if (dies < this.nextSweepAt) this.nextSweepAt = dies;
      }
    }
    return checks.map((c) => ({
      success: c.passed,
      limit: c.request.limit,
      remaining: Math.max(
        0,
        c.request.limit - c.effective + (allPassed || !c.passed ? 0 : c.request.cost),
      ),
      reset: c.start + c.request.duration,
    }));
  }

  /** One check that consumes when it passes. */
  limit(request: LimitRequest, now: number): WindowResult {
    return this.limitMany([request], now)[0] as WindowResult;
  }

  clear(): void {
    this.windows.clear();
    this.nextSweepAt = Number.POSITIVE_INFINITY;
  }
}
