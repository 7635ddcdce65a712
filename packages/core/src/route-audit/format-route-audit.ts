import type { RouteAuditRow } from "./route-audit-row";

const HEADINGS = ["METHOD", "PATH", "ACCESS", "PERMISSIONS", "COST", "RATELIMITS", "NOTE"] as const;

const cellsOf = (row: RouteAuditRow): string[] => [
  row.method,
  row.path,
  row.access,
  row.permissions ?? "-",
  row.cost === undefined ? "-" : String(row.cost),
  row.ratelimits === undefined ? "-" : row.ratelimits.join(", "),
  [row.kind, row.note].filter((part) => part !== undefined).join(": ") || "-",
];

/**
 * The audit as a table for people: one line per route under a heading line, columns
 * aligned with spaces, `-` where a route asks nothing, no trailing spaces. A last column,
 * NOTE, only when some row is a middleware or has a note (why it is open).
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
  const noted = rows.some((row) => row.kind !== undefined || row.note !== undefined);
  const headings = noted ? HEADINGS : HEADINGS.slice(0, -1);
  const lines: string[][] = [
    [...headings],
    ...rows.map((row) => cellsOf(row).slice(0, headings.length)),
  ];
  const widths = headings.map((_, column) =>
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
