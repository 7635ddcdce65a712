import type { Operation } from "./schemas";

/**
 * One call a handler answered or refused, as `dispatch` reports it to an observer (the
 * console's live log). `body` holds what the caller sent, a plaintext key included for
 * `keys.verifyKey`: an observer copies only the fields it shows, never the body whole.
 */
export interface ObservedCall {
  readonly operation: Operation;
  /** The body after schema validation; undefined when it failed validation. */
  readonly body: unknown;
  /** The handler's `data` when it answered. */
  readonly data?: unknown;
  /** What the call threw (an `ApiError`, mostly) when it was refused. */
  readonly error?: unknown;
  /** Whether the call changed the workspace. */
  readonly changed: boolean;
}

/** Receives every call `dispatch` ran; it must not throw. */
export type CallObserver = (call: ObservedCall) => void;
