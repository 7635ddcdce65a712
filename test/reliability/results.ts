import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where each suite drops its figures; `results-teardown.ts` turns them into RESULTS.md. */
export const FIGURES_DIR = join(tmpdir(), "keyguard-reliability-figures");

/** Writes one suite's figures; never fails the run (a read-only disk is not a test failure). */
export function recordFigures(suite: string, figures: unknown): void {
  try {
    mkdirSync(FIGURES_DIR, { recursive: true });
    writeFileSync(join(FIGURES_DIR, `${suite}.json`), JSON.stringify(figures, null, 2));
  } catch {
    // Unwritable temp dir: the figures are only a report.
  }
}
