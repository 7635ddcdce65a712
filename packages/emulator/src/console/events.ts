import type { ObservedCall } from "../observe";
import { type LogEntry, toLogEntry } from "./log-entry";

/** What the event stream tells a page: a new log row, or that the workspace changed. */
export type ConsoleMessage = { type: "log"; entry: LogEntry } | { type: "state" };

type Listener = (message: ConsoleMessage) => void;

/** Log rows kept for a page opened (or reconnecting) after the calls. */
export const LOG_CAPACITY = 500;

/**
 * The console's event hook: `observe` is handed to `dispatch`, which reports every call a
 * handler answered or refused. Verifications and `ratelimit.limit` calls become log rows
 * (the last {@link LOG_CAPACITY} are kept); any call that changed the workspace tells the
 * pages to reload it. Listeners are the open event streams.
 */
export class ConsoleLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<Listener>();
  private lastId = 0;

  constructor(private readonly now: () => number) {}

  /** The observer for `dispatch`; never throws into the request it reports. */
  readonly observe = (call: ObservedCall): void => {
    const entry = toLogEntry(call, this.lastId + 1, this.now());
    if (entry) {
      this.lastId = entry.id;
      this.entries.push(entry);
      // Trimmed in batches: shifting one row per call would move the whole array each time,
      // on the path of every verification.
      if (this.entries.length >= 2 * LOG_CAPACITY) this.entries.splice(0, LOG_CAPACITY);
      this.emit({ type: "log", entry });
    }
    if (call.changed) this.emit({ type: "state" });
  };

  /** The kept rows (the last {@link LOG_CAPACITY}) after `afterId`, oldest first. */
  since(afterId: number): LogEntry[] {
    return this.entries.slice(-LOG_CAPACITY).filter((entry) => entry.id > afterId);
  }

  /** Calls `listener` for every message from now on, until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(message: ConsoleMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch {
        // A stream that failed to take a message is closed by its own error handling.
      }
    }
  }
}
