// Which override applies to an identifier, transcribed from unkeyed/unkey
// svc/api/routes/v2_ratelimit_limit/handler.go:331-368 (getLimitAndDuration,
// matchOverride), internal/services/ratelimit/namespace/parse.go:27-32 (every
// override is a direct one; those containing `*` are wildcard ones too) and
// pkg/match/wildcard.go:17-44.
import type { OverrideRecord, State } from "./state";

const compiled = new WeakMap<OverrideRecord, RegExp>();

const utf8 = new TextEncoder();

/**
 * The pattern as wildcard.go:26-36 reads it: byte by byte, each byte `ch` written into the
 * regex as `string(ch)`, which in Go is the code point of that value (U+0000 to U+00FF), not
 * the byte. A non-ASCII character's UTF-8 bytes thus become as many Latin-1 characters:
 * `ü` (C3 BC) is looked for as `Ã¼`, so `über-*` never matches `über-1` at Unkey.
 */
function asGoBytes(pattern: string): string {
  return String.fromCharCode(...utf8.encode(pattern));
}

// As Unkey's `match.Wildcard`: wildcard.go escapes . ^ $ + ? { } [ ] ( ) | \
// and turns * into Go's `.*`, whose `.` matches anything but a newline; the
// pattern is anchored. Only called for patterns that contain `*`.
function toRegExp(pattern: string): RegExp {
  const body = asGoBytes(pattern)
    .split("*")
    .map((part) => part.replace(/[.^$+?{}[\]()|\\/]/g, "\\$&"))
    .join("[^\\n]*");
  return new RegExp(`^${body}$`);
}

function matches(override: OverrideRecord, identifier: string): boolean {
  let regExp = compiled.get(override);
  if (!regExp) {
    regExp = toRegExp(override.identifier);
    compiled.set(override, regExp);
  }
  return regExp.test(identifier);
}

/**
 * The namespace's override for `identifier`: the one set for exactly that
 * identifier, else the first wildcard override that matches it. Unkey loads
 * the overrides without an ORDER BY (pkg/db/queries/ratelimit_namespace_find.sql),
 * so when several patterns match, which one wins is not specified there; the
 * emulator takes the oldest.
 */
export function matchOverride(
  state: State,
  namespaceId: string,
  identifier: string,
): OverrideRecord | undefined {
  const rows = state.overrides.get(namespaceId);
  if (!rows) return undefined;
  const exact = rows.get(identifier);
  if (exact && exact.deletedAt === undefined) return exact;
  for (const row of rows.values()) {
    if (row.deletedAt === undefined && row.identifier.includes("*") && matches(row, identifier)) {
      return row;
    }
  }
  return undefined;
}

/** The limit and window a check runs with: an override's, else the request's (getLimitAndDuration). */
export interface AppliedLimit {
  limit: number;
  duration: number;
  /** The applied override's id; absent when the request's own values apply. */
  overrideId?: string;
}

/** Applies the matching override, if any, to a request's `limit` and `duration`. */
export function applyOverride(
  state: State,
  namespaceId: string,
  request: { identifier: string; limit: number; duration: number },
): AppliedLimit {
  const override = matchOverride(state, namespaceId, request.identifier);
  if (!override) return { limit: request.limit, duration: request.duration };
  return { limit: override.limit, duration: override.duration, overrideId: override.id };
}
