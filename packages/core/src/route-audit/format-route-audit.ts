import type { RouteAuditRow } from "./route-audit-row";

const HEADINGS = ["METHOD", "PATH", "ACCESS", "PERMISSIONS", "COST", "RATELIMITS"] as const;

const cellsOf = (row: RouteAuditRow): string[] => [
  row.method,
  row.path,
  row.access,
  row.permissions ?? "-",
  row.cost === undefined ? "-" : String(row.cost),
  row.ratelimits === undefined ? "-" : row.ratelimits.join(", "),
];

/**
 * The audit as a table for people: one line per route under a heading line, columns
 * aligned with spaces, `-` where a route asks nothing, no trailing spaces.
 *
 * @example
 * ```ts
 * console.log(formatRouteAudit(auditRoutes(app)));
 * // METHOD  PATH     ACCESS  PERMISSIONS  COST  RATELIMITS
 * // GET     /docs    key     docs.read    -     -
 * // GET     /health  public  -            -     -
 * ```
 */
export function formatRouteAudit(rows: readonly RouteAuditRow[]): string {
  const lines: string[][] = [[...HEADINGS], ...rows.map(cellsOf)];
  const widths = HEADINGS.map((_, column) =>
    Math.max(...lines.map((cells) => (cells[column] as string).length)),
  );
  return lines
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column] as number))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
