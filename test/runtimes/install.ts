import { fileURLToPath } from "node:url";
import { installLocked } from "../packaging/pins/locked-install";

/** The bound of a first run's install (npm ci of about 370 MB). */
export const INSTALL_MS = 600_000;

/**
 * Bun, Deno and workerd (about 370 MB) are not part of the workspace's `pnpm install`: the
 * suite's first run installs them from this folder's package-lock.json (see CONTRIBUTING's
 * "Suites installed on first run"). Called from the suite's first hook rather than a Vitest
 * global setup, which would hold every project's first test until npm is done: in a hook,
 * the download runs beside the other suites' tests.
 */
export async function installRuntimes(): Promise<void> {
  const started = Date.now();
  if (await installLocked(fileURLToPath(new URL("./", import.meta.url)), [], INSTALL_MS)) {
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`runtimes: installed Bun, Deno and workerd from package-lock.json in ${seconds} s`);
  }
}
