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
}

// internal/services/ratelimit/ratelimit.go keys counters by workspace,
// namespace, identifier and duration: the limit is not part of the key.
function counterKey(request: LimitRequest): string {
  return `${request.namespace}\u0000${request.identifier}\u0000${request.duration}`;
}

/**
 * Fixed windows aligned to the duration (a 60 s limit resets on the minute).
 * Unkey weights in the previous window too (a sliding window); the emulator
 * does not, so that tests under a fake clock are predictable. Windows live in
 * memory only.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

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
    const checks = requests.map((request) => {
      const key = counterKey(request);
      const start = Math.floor(now / request.duration) * request.duration;
      const effective = this.used(key, start) + request.cost;
      return { request, key, start, effective, passed: effective <= request.limit };
    });
    const allPassed = checks.every((c) => c.passed);
    if (allPassed) {
      for (const c of checks) this.windows.set(c.key, { start: c.start, used: c.effective });
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
  }
}
