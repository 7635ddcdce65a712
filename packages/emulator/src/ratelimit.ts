/** The outcome of one rate-limit check. */
export interface WindowResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Unix ms when the current window ends. */
  reset: number;
}

interface Window {
  start: number;
  used: number;
}

/**
 * Fixed windows aligned to the duration (a 60 s limit resets on the minute),
 * unlike Unkey's sliding window: simpler and predictable under a fake clock.
 * Windows live in memory only.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

  /** What `cost` more would do in the window of `bucket`, without consuming. */
  peek(bucket: string, limit: number, duration: number, cost: number, now: number): WindowResult {
    const start = Math.floor(now / duration) * duration;
    const window = this.windows.get(bucket);
    const used = window && window.start === start ? window.used : 0;
    const success = used + cost <= limit;
    return {
      success,
      limit,
      remaining: Math.max(0, limit - used - (success ? cost : 0)),
      reset: start + duration,
    };
  }

  /** Consumes `cost` in the window of `bucket` (call after a successful peek). */
  consume(bucket: string, duration: number, cost: number, now: number): void {
    const start = Math.floor(now / duration) * duration;
    const window = this.windows.get(bucket);
    if (window && window.start === start) window.used += cost;
    else this.windows.set(bucket, { start, used: cost });
  }

  /** Checks and, when it passes, consumes in one step. */
  limit(bucket: string, limit: number, duration: number, cost: number, now: number): WindowResult {
    const result = this.peek(bucket, limit, duration, cost, now);
    if (result.success && cost > 0) this.consume(bucket, duration, cost, now);
    return result;
  }

  clear(): void {
    this.windows.clear();
  }
}
