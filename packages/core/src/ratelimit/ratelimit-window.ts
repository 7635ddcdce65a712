/** What the memory needs of one of Unkey's answers about a counter. */
export interface WindowAnswer {
  readonly success: boolean;
  /** The limit Unkey applied: an override's, whatever the request named. */
  readonly limit: number;
  readonly remaining: number;
  /** The end of Unkey's current window, Unix ms. */
  readonly reset: number;
}

/**
 * Decays are computed as if this much later than this process's clock says, so that a
 * clock a little behind Unkey's never makes a refusal look longer than Unkey's own.
 */
export const CLOCK_SLACK_MS = 1000;

// Unkey truncates float64 counts (int64(prev × (1 − elapsed))); a bound never rounds up.
const floorDown = (x: number) => Math.max(0, Math.floor(x - 1e-9));

/**
 * What one process can prove about one of Unkey's sliding-window counters, from Unkey's
 * own answers. Unkey counts `current + floor(previous × (1 − elapsed))` over windows aligned
 * to the duration, and admits a call when that plus its cost is within the limit
 * (internal/services/ratelimit/ratelimit.go). So:
 * - a **lower bound** of that count (what proves Unkey would refuse, see {@link lower}):
 *   the cost Unkey admitted from this process in the current window stays counted until it
 *   ends, and then decays through the next one; a count an answer proved decays at most as
 *   fast as if it were all from the previous window. A local refusal never lasts longer than
 *   Unkey's own would.
 * - an **upper bound** (what proves Unkey would admit, for `mode: "async"`): the count Unkey
 *   last reported after admitting a call only decays, unless someone calls: this process's
 *   calls out are added; other clients' are the async mode's documented risk.
 * Pure bookkeeping, no network, no clock of its own.
 */
export class WindowMemory {
  /** End (Unix ms) of the window the latest answer counted in; 0 before any answer. */
  reset = 0;
  /** Cost Unkey admitted from this process in that window, and in the window before it. */
  admitted = 0;
  admittedBefore = 0;
  /**
   * A count proven at `provenAt` (a call's send time) in that window, the cost of this
   * process's admitted calls it may hold (`admitted` then, and calls answered later but sent
   * before its answer arrived, at `provenReceivedAt`: Unkey may have counted them first).
   */
  proven = 0;
  provenAt = 0;
  provenAdmitted = 0;
  provenReceivedAt = 0;
  /** The count Unkey reported after admitting a call; `undefined` when unknown (a refusal). */
  reported: number | undefined = undefined;
  /** Cost of the calls to Unkey not answered yet. */
  inflight = 0;
  /** When (this process's clock) the latest answer arrived. */
  learnedAt = Number.NEGATIVE_INFINITY;

  /**
   * @param duration The window's length when known (the duration requested, unless an
   *   override applies one of its own that no answer reveals): without it, nothing is
   *   proven past the end of the current window.
   * @param trustMs How long an answer's news is trusted: the limit Unkey applies can change
   *   at any moment (an override set, raised or deleted), so past this, a call asks Unkey.
   */
  constructor(
    readonly duration: number | undefined,
    readonly trustMs: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Whether the latest answer is recent enough to decide on without asking Unkey. */
  known(now: number): boolean {
    return now - this.learnedAt <= this.trustMs;
  }

  /**
   * Drops what the answers showed, so the next call asks Unkey: after a call that failed, the
   * limit Unkey applies may have changed (a ban override answers 500) and nothing proves room.
   */
  forget(): void {
    this.learnedAt = Number.NEGATIVE_INFINITY;
    this.reported = undefined;
  }

  /** The least count Unkey can hold now. */
  lower(now: number): number {
    const t = now + CLOCK_SLACK_MS;
    const { reset, duration } = this;
    if (t < reset) {
      let least = this.admitted;
      if (this.provenAt < reset) {
        const ratio = (reset - t) / (reset - this.provenAt);
        const decaying = Math.max(0, this.proven - this.provenAdmitted);
        least = Math.max(least, this.admitted + floorDown(decaying * ratio));
      }
      if (duration !== undefined)
        least = Math.max(
          least,
          this.admitted + floorDown((this.admittedBefore * (reset - t)) / duration),
        );
      return least;
    }
    // The next window: this one's count, now the previous, decays away.
    if (duration !== undefined && t < reset + duration)
      return floorDown((this.admitted * (reset + duration - t)) / duration);
    return 0;
  }

  /**
   * Whether Unkey would refuse a call of `cost` under `limit` now, provably: only on a recent
   * answer (with none, even a cost above `limit` may pass under an override).
   */
  blocks(limit: number, cost: number, now: number): boolean {
    return this.known(now) && this.lower(now) + cost > limit;
  }

  /** What Unkey would admit for sure under `limit` (`-Infinity` when unknown or stale). */
  available(limit: number, now: number): number {
    if (this.reported === undefined || !this.known(now)) return Number.NEGATIVE_INFINITY;
    return limit - this.reported - this.inflight;
  }

  /** The end of Unkey's window at `now`, as far as known (for a local answer's `reset`). */
  windowEnd(now: number): number {
    if (now < this.reset || this.duration === undefined) return this.reset;
    return this.reset + Math.ceil((now + 1 - this.reset) / this.duration) * this.duration;
  }

  /**
   * Learns from Unkey's answer to a call of `cost` sent at `sentAt`. `admitted` says whether
   * Unkey counted it (a success that an all-or-nothing batch rolled back was not).
   */
  learn(
    cost: number,
    sentAt: number,
    answer: WindowAnswer,
    admitted = answer.success,
    receivedAt = sentAt,
  ): void {
    this.learnedAt = Math.max(this.learnedAt, receivedAt);
    if (answer.reset < this.reset) {
      // A late answer about the window before: only what it admitted there still counts.
      if (admitted && this.duration !== undefined && answer.reset === this.reset - this.duration)
        this.admittedBefore += cost;
      return;
    }
    if (answer.reset > this.reset) this.#enter(answer.reset);
    if (admitted) this.admitted += cost;
    // Answered after the proof but sent before the proof's answer came back: Unkey may have
    // counted it before the proof's call, so the proof may hold it already. Counting it once
    // as admitted is enough; the proof's own share shrinks by it (a lower bound still).
    if (admitted && this.provenAt !== 0 && sentAt < this.provenReceivedAt)
      this.provenAdmitted += cost;
    // Admitted: the count is the limit less what remains (this call included). Refused: the
    // count was above `limit - cost`. A success rolled back: `remaining` has its cost added back.
    const count = answer.success ? answer.limit - answer.remaining : answer.limit - cost + 1;
    this.#prove(count, sentAt, receivedAt);
    if (!answer.success) this.reported = undefined;
    else if (admitted) this.reported = Math.max(this.reported ?? 0, count);
  }

  #enter(reset: number): void {
    const next = this.duration !== undefined && reset === this.reset + this.duration;
    this.admittedBefore = next ? this.admitted : 0;
    this.admitted = 0;
    this.reset = reset;
    this.proven = 0;
    this.provenAt = 0;
    this.provenAdmitted = 0;
    this.provenReceivedAt = 0;
    this.reported = undefined;
  }

  /** Keeps the stronger of the proof held and the new one, judged at the new one's time. */
  #prove(count: number, at: number, receivedAt: number): void {
    const held = this.lower(at - CLOCK_SLACK_MS);
    if (count < held && this.provenAt !== 0) return;
    this.proven = count;
    this.provenAt = at;
    this.provenAdmitted = this.admitted;
    this.provenReceivedAt = receivedAt;
  }
}
