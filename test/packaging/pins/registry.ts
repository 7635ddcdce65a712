import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { isExactSpec } from "./exact-spec";
import type { PinsMode } from "./mode";

const run = promisify(execFile);

/**
 * The one module of the test suites that asks the npm registry for packages
 * (registry-installs.test.ts fails on any other file that spawns npm, npx or yarn, or an
 * unlocked pnpm install). Whatever a test run installs is therefore either the exact
 * content of a checked-in lock (`npm ci`) or an exact version (`npx name@x.y.z`).
 */

const QUIET = ["--no-audit", "--no-fund", "--loglevel=error"];

/** npm's command line for installing a consumer project in a mode. */
export function npmInstallArgs(mode: PinsMode): string[] {
  // A lock already names every version and tarball: npm's cache serves what it holds.
  if (mode === "pinned") return ["ci", ...QUIET, "--prefer-offline"];
  return [
    "install",
    ...QUIET,
    // A fresh resolution must see what the registry serves now: --prefer-offline would take a
    // cached packument however old, and miss the versions published since.
    "--prefer-online",
    // The same lock whatever the user's .npmrc says: `resolved` URLs kept, as npm's default.
    "--omit-lockfile-registry-resolved=false",
  ];
}

/**
 * Installs the npm project in `dir`, within `timeout` ms. Pinned: from its `package-lock.json`
 * only, and an error when there is none; update and drift: a fresh resolution, so there must be
 * no lock yet. The default bound allows for several installs at once beside other suites
 * (`pnpm test` runs files side by side) on a busy 2-core machine.
 */
export async function npmInstall(dir: string, mode: PinsMode, timeout = 600_000): Promise<void> {
  const locked = existsSync(join(dir, "package-lock.json"));
  if (mode === "pinned" && !locked) {
    throw new Error(`${dir} has no package-lock.json: a pinned install needs one`);
  }
  if (mode !== "pinned" && locked) {
    throw new Error(`${dir} has a package-lock.json: a fresh resolution (${mode}) starts without`);
  }
  await run("npm", npmInstallArgs(mode), { cwd: dir, timeout });
}

/** `spec` when it names one exact version (`node@22.23.3`); an error for a range or a tag. */
export function exactSpec(spec: string): string {
  if (!isExactSpec(spec)) {
    throw new Error(
      `${spec} is not an exact version (name@x.y.z): npx would take the latest match`,
    );
  }
  return spec;
}

/** Runs a package's bin through npx, from an exact version only (npm's cache first). */
export function npx(
  spec: string,
  args: readonly string[],
  options: { timeout: number },
): Promise<{ stdout: string; stderr: string }> {
  return run("npx", ["--yes", "--prefer-offline", exactSpec(spec), ...args], options);
}
