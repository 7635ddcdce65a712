import { KeyguardConfigError } from "../errors";
import type { RouteAuditRow } from "./route-audit-row";

const nameOf = (row: RouteAuditRow) =>
  `${row.method} ${row.path}${row.kind === undefined ? "" : ` (${row.kind})`}`;

/**
 * The refusal of open routes: a `KeyguardConfigError` on the `public` option (the one
 * that would let them pass), whose message does not call the route an invalid option
 * value, since no value was given: it says what each open route answers and the three
 * ways out, the `public` list spelled out for these very routes.
 */
function openRoutesError(
  open: readonly RouteAuditRow[],
  at: string,
  markPublic: string | undefined,
): KeyguardConfigError {
  const one = open.length === 1;
  const entries = open.map((row) => JSON.stringify(`${row.method} ${row.path}`)).join(", ");
  const listed = `${at.replace(/\)$/, "")}, { public: [${entries}] })`;
  const problem =
    `${one ? "1 route answers" : `${open.length} routes answer`} requests without an API key: ${open.map(nameOf).join(", ")}. ` +
    `Either put a keyguard guard in front of ${one ? "it" : "each"} (registered before it, on a path that covers every request it answers), ` +
    `or, if ${one ? "it answers" : "one answers"} without a key on purpose, ${markPublic === undefined ? "" : `mark it with ${markPublic} or `}list it as public: \`${listed}\`.`;
  const error = new KeyguardConfigError("public", problem, { at });
  // Not "invalid option `public`": the routes are open, the option was never wrong.
  error.message = `${at}: ${problem}`;
  return error;
}

/**
 * Throws a `KeyguardConfigError` (`option: "public"`) listing every `"open"` row, for a
 * one-line test in CI; returns the rows when there is none. `at` names the call
 * (`assertNoOpenRoutes(app)`), `markPublic` how this framework marks a route public, if
 * it has a way, for the fix.
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
  throw openRoutesError(open, at, markPublic);
}
