import { KeyguardConfigError } from "../errors";
import type { RouteAuditRow } from "./route-audit-row";

/**
 * Throws a `KeyguardConfigError` listing every `"open"` row, for a one-line test in CI;
 * returns the rows when there is none. `at` names the call (`assertNoOpenRoutes(app)`),
 * `markPublic` how this framework marks a route public, if it has a way, for the fix.
 *
 * @example
 * ```ts
 * assertClosed(rows, "assertNoOpenRoutes(app)", '`@Public()` on the handler');
 * ```
 */
export function assertClosed(
  rows: readonly RouteAuditRow[],
  at: string,
  markPublic?: string,
): readonly RouteAuditRow[] {
  const open = rows.filter((row) => row.access === "open");
  if (open.length === 0) return rows;
  const list = open.map((row) => `${row.method} ${row.path}`).join(", ");
  const one = open.length === 1;
  throw new KeyguardConfigError(
    "public",
    `${one ? "1 route answers" : `${open.length} routes answer`} without an API key and ${one ? "is" : "are"} not marked public: ${list}. Put a keyguard guard in front of ${one ? "it" : "each"}, or, if ${one ? "it is" : "one is"} public on purpose, ${markPublic === undefined ? "" : `mark it with ${markPublic} or `}list it in the audit's \`public\` option ("METHOD /path").`,
    { at },
  );
}
