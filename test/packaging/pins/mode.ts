/**
 * How the suites that install from the npm registry get their third-party packages:
 * - `pinned` (the default, what `pnpm test` and CI run): exactly the versions of the checked-in
 *   lock of each consumer project, with `npm ci`; what the registry publishes later changes nothing.
 * - `update` (`pnpm pins:update`): a fresh resolution within each manifest's ranges, written back
 *   as the project's new lock.
 * - `drift` (`pnpm test:drift`): a fresh resolution with the held versions released, compared
 *   with the pins and reported; nothing is written to the repository.
 */
export type PinsMode = "pinned" | "update" | "drift";

const MODES: readonly PinsMode[] = ["pinned", "update", "drift"];

/** The environment variable that selects the mode (set by test/packaging/pins/cli.mjs). */
export const MODE_VARIABLE = "KEYGUARD_PINS";

/** The mode this run is in; an unknown value fails the suite rather than silently pinning. */
export function pinsMode(env: NodeJS.ProcessEnv = process.env): PinsMode {
  const value = env[MODE_VARIABLE];
  if (value === undefined || value === "") return "pinned";
  const mode = MODES.find((m) => m === value);
  if (mode === undefined) {
    throw new Error(`${MODE_VARIABLE} must be one of ${MODES.join(", ")} (got "${value}")`);
  }
  return mode;
}
