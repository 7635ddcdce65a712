import { forbidden } from "./errors";
import type { FixedWindowLimiter } from "./ratelimit";
import type { State } from "./state";

/** A root key as the emulator knows it: its rights, never its plaintext. */
export interface RootKeyRecord {
  permissions: ReadonlySet<string>;
}

/** True when the root key holds `*` or any of the `needed` permissions. */
export function rootAllows(root: RootKeyRecord, needed: readonly string[]): boolean {
  if (root.permissions.has("*")) return true;
  for (const permission of needed) if (root.permissions.has(permission)) return true;
  return false;
}

/** What every handler gets: the workspace, the clock, the limiter and the caller. */
export interface Context {
  readonly state: State;
  readonly limiter: FixedWindowLimiter;
  readonly root: RootKeyRecord;
  now(): number;
  /** Throws Unkey's 403 unless the root key holds one of `needed`. */
  require(...needed: string[]): void;
  /** Marks the workspace as changed so that the data file gets saved. */
  changed(): void;
}

/** A handler's answer: `data`, plus `pagination` for list endpoints. */
export interface HandlerResult {
  data: unknown;
  pagination?: { cursor?: string; hasMore: boolean };
}

/** Builds the per-request context (a small object; the state is shared). */
export function createContext(
  state: State,
  limiter: FixedWindowLimiter,
  root: RootKeyRecord,
  now: () => number,
  onChange: () => void,
): Context {
  return {
    state,
    limiter,
    root,
    now,
    require(...needed: string[]) {
      if (!rootAllows(root, needed)) throw forbidden(needed);
    },
    changed: onChange,
  };
}
