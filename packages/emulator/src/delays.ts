/**
 * Answers held back by `latencyMs` (the emulator's or a fault's). `stop()` cancels every one
 * still pending, so that a stopped emulator leaves no timer to keep Node's event loop alive.
 */
export class Delays {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `run` after `ms`; at once, synchronously, when `ms` is 0 or less. */
  later(ms: number, run: () => void): void {
    if (ms <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  /** Cancels every run not made yet. */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
