/**
 * Calls received per operation, as `Emulator.stats()` reports them: a call is counted once
 * its route is known, before any fault, root-key check or body limit can refuse it, so a
 * test sees every call a client made.
 */
export class CallCounter {
  private calls: Record<string, number> = Object.create(null);
  private total = 0;

  /** Counts one call of `operation` (`"liveness"` for the health check). */
  count(operation: string): void {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    this.total += 1;
  }

  /** A copy: later calls do not change what was returned. */
  snapshot(): { calls: Record<string, number>; total: number } {
    return { calls: { ...this.calls }, total: this.total };
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.calls = Object.create(null);
    this.total = 0;
  }
}
