import { forbidden } from "./errors";
import { checkPermissionQuery } from "./permission-query-check";
import { and, or, type PermissionQuery, permission } from "./permission-query-parser";
import type { SlidingWindowLimiter } from "./sliding-window";
import type { State } from "./state";

/** A root key as the emulator knows it: its rights and workspace, never its plaintext. */
export interface RootKeyRecord {
  permissions: ReadonlySet<string>;
  /** The workspace resource permissions (`unkey:v1:{workspace}:…`) must name. */
  workspaceId: string;
}

// `*` is the emulator's own "every right" grant for its default root key;
// any other grant is matched exactly, as Unkey's pkg/rbac does.
function check(root: RootKeyRecord, query: PermissionQuery) {
  if (root.permissions.has("*")) return { valid: true, message: "" };
  return checkPermissionQuery(query, root.permissions);
}

/** True when the root key's rights satisfy `query` (Unkey's `principal.Authorize` passing). */
export function rootGrants(root: RootKeyRecord, query: PermissionQuery): boolean {
  return check(root, query).valid;
}

/** What every handler gets: the workspace, the clock, the limiter and the caller. */
export interface Context {
  readonly state: State;
  readonly limiter: SlidingWindowLimiter;
  readonly root: RootKeyRecord;
  now(): number;
  /** Throws Unkey's 403 unless the root key holds one of `anyOf`. */
  require(...anyOf: string[]): void;
  /** Throws Unkey's 403 unless the root key holds every one of `allOf`. */
  requireAll(...allOf: string[]): void;
  /** Throws Unkey's 403, with rbac's message, unless the root key's rights satisfy `query`. */
  authorize(query: PermissionQuery): void;
  /** Marks the workspace as changed so that the data file gets saved. */
  changed(): void;
}

/** A handler's answer: `data`, plus `pagination` for list endpoints. */
export interface HandlerResult {
  data: unknown;
  pagination?: { cursor?: string; hasMore: boolean };
}

function demand(root: RootKeyRecord, query: PermissionQuery): void {
  const result = check(root, query);
  if (!result.valid) throw forbidden(result.message);
}

/** Builds the per-request context (a small object; the state is shared). */
export function createContext(
  state: State,
  limiter: SlidingWindowLimiter,
  root: RootKeyRecord,
  now: () => number,
  onChange: () => void,
): Context {
  return {
    state,
    limiter,
    root,
    now,
    require(...anyOf: string[]) {
      demand(
        root,
        anyOf.length === 1 ? permission(anyOf[0] as string) : or(...anyOf.map(permission)),
      );
    },
    requireAll(...allOf: string[]) {
      demand(root, and(...allOf.map(permission)));
    },
    authorize(query: PermissionQuery) {
      demand(root, query);
    },
    changed: onChange,
  };
}
