// Unkey's sliding-window rate limiter, transcribed from unkeyed/unkey
// internal/services/ratelimit/ratelimit.go (prepareCheck, slidingWindowCount,
// Ratelimit, RatelimitMany) and sequence.go (calculateSequence). Only the
// single-node arithmetic: there is no origin (Redis) and no other region.
import { ExpiryQueue } from "./expiry-queue";

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
  /** Window length in ms (Unkey asserts at least 1000). */
  duration: number;
  cost: number;
}

interface Check {
  request: LimitRequest;
  window: string;
  sequence: number;
  effective: number;
  passed: boolean;
}

// keys.go `counterKey`: workspace, namespace, identifier, duration and the
// window's sequence. The limit is not part of it, so an override that changes
// only the limit keeps counting in the same windows.
function windowKey(request: LimitRequest, sequence: number): string {
  return `${request.namespace}\u0000${request.identifier}\u0000${request.duration}\u0000${sequence}`;
}

/**
 * Sliding windows as Unkey counts them: windows aligned to the duration
 * (sequence = ⌊t / duration⌋, sequence.go:43), and a request admitted when
 * `current + ⌊previous × (1 − elapsed fraction)⌋ + cost ≤ limit`
 * (ratelimit.go:108-112, 144-175). A window is dropped once it can no longer
 * count: when it and the next one have passed, the sliding count never reads
 * it again (Unkey's janitor waits three windows, janitor.go:36; the answers are
 * the same).
 */
export class SlidingWindowLimiter {
  private readonly counts = new Map<string, number>();
  private readonly expiries = new ExpiryQueue();

  /** Windows held in memory at `now`, after dropping those that can no longer count. */
  windows(now: number): number {
    this.evict(Math.floor(now));
    return this.counts.size;
  }

  /** One check that consumes when it passes (Unkey's `Ratelimit`). */
  limit(request: LimitRequest, now: number): WindowResult {
    return this.limitMany([request], now)[0] as WindowResult;
  }

  /**
   * Unkey's `RatelimitMany` (ratelimit.go:196-311): every counter is
   * incremented optimistically in order (a later entry on the same counter
   * sees the earlier ones' cost), each entry is checked on its post-increment
   * count, and if any entry fails every increment is rolled back. A failed
   * entry reports `remaining: 0`; an entry that passed while another failed
   * gets its cost added back to `remaining`, since nothing was consumed.
   */
  limitMany(requests: readonly LimitRequest[], now: number): WindowResult[] {
    // Unkey counts in whole milliseconds (req.Time.UnixMilli()).
    const t = Math.floor(now);
    this.evict(t);
    const pending = new Map<string, number>();
    const checks = requests.map((request): Check => {
      const sequence = Math.floor(t / request.duration);
      const window = windowKey(request, sequence);
      const added = (pending.get(window) ?? 0) + request.cost;
      pending.set(window, added);
      const current = (this.counts.get(window) ?? 0) + added;
      const previous = this.counts.get(windowKey(request, sequence - 1)) ?? 0;
      // float64 arithmetic then int64() truncation, in Go's order (ratelimit.go:80-82, 111).
      const elapsed = (t - sequence * request.duration) / request.duration;
      const effective = current + Math.trunc(previous * (1 - elapsed));
      return { request, window, sequence, effective, passed: effective <= request.limit };
    });
    const allPassed = checks.every((check) => check.passed);
    if (allPassed) for (const check of checks) this.add(check);
    return checks.map(({ request, sequence, effective, passed }) => ({
      success: passed,
      limit: request.limit,
      remaining: Math.max(0, request.limit - effective + (!allPassed && passed ? request.cost : 0)),
      reset: (sequence + 1) * request.duration,
    }));
  }

  private add({ request, window, sequence }: Check): void {
    if (request.cost === 0) return;
    const count = this.counts.get(window);
    if (count === undefined) this.expiries.push(window, (sequence + 2) * request.duration);
    this.counts.set(window, (count ?? 0) + request.cost);
  }

  private evict(now: number): void {
    for (const window of this.expiries.popExpired(now)) this.counts.delete(window);
  }
}
