/** What {@link startHeartbeat} checks, and how often. */
export interface HeartbeatOptions {
  /** Pause between one ping's answer (or deadline) and the next ping, in ms. */
  readonly intervalMs: number;
  /** How long a ping may go unanswered, in ms. */
  readonly timeoutMs: number;
  /** Whether the connection is up: a ping is sent only then (a reconnect is not a miss). */
  connected(): boolean;
  /** Sends the ping; resolves on its answer. */
  ping(): Promise<unknown>;
  /** A ping went unanswered past `timeoutMs`. */
  missed(): void;
  /** A ping was answered in time. */
  answered(): void;
}

/**
 * Pings on an interval, each with a deadline, one at a time: a connection that
 * went half-open still looks open (no FIN, no RST ever arrives), and only an
 * unanswered round trip shows it. Returns the stop.
 */
export function startHeartbeat(options: HeartbeatOptions): () => void {
  let stopped = false;
  let next: ReturnType<typeof setTimeout> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;

  const schedule = () => {
    if (stopped) return;
    next = setTimeout(beat, options.intervalMs);
    next.unref?.(); // never what keeps a process alive
  };

  function beat(): void {
    if (!options.connected()) {
      schedule();
      return;
    }
    let settled = false;
    const settle = (verdict?: () => void) => {
      if (settled || stopped) return;
      settled = true;
      clearTimeout(deadline);
      verdict?.();
      schedule();
    };
    deadline = setTimeout(() => settle(options.missed), options.timeoutMs);
    deadline.unref?.();
    // A rejected ping (the connection closing) is no verdict: the client reconnects by itself.
    options.ping().then(
      () => settle(options.answered),
      () => settle(),
    );
  }

  schedule();
  return () => {
    stopped = true;
    clearTimeout(next);
    clearTimeout(deadline);
  };
}
