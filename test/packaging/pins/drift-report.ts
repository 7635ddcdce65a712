import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Where an update or drift run leaves what it found for cli.mjs to summarise after Vitest
 * ends: one JSON file per project and kind, as test files run in parallel workers.
 */
export const REPORT_VARIABLE = "KEYGUARD_PINS_REPORT";

/** What a report file holds: versions that moved, or third-party declaration errors. */
export type ReportKind = "moved" | "declarations";

/** Writes `<project>.<kind>.json` into the report directory, when the run has one. */
export function report(project: string, kind: ReportKind, data: unknown): void {
  const dir = process.env[REPORT_VARIABLE];
  if (dir === undefined || dir === "") return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${project}.${kind}.json`), `${JSON.stringify(data, null, 2)}\n`);
}
