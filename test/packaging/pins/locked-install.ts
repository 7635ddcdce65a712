import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { npmInstall } from "./registry";

/**
 * Where a locked install records what it installed. Inside node_modules, so that deleting
 * node_modules (or a fresh clone) is what brings the next run back to `npm ci`.
 */
export const STAMP = "node_modules/.keyguard-installed.sha256";

/**
 * The key of an install: the SHA-256 of the project's package.json and package-lock.json, and
 * of each of `extra` (the packed keyguard tarballs a project installs), in order.
 */
export async function installKey(dir: string, extra: readonly string[] = []): Promise<string> {
  const hash = createHash("sha256");
  for (const file of [join(dir, "package.json"), join(dir, "package-lock.json"), ...extra]) {
    hash.update(file.startsWith(dir) ? file.slice(dir.length) : file);
    hash.update(await readFile(file));
  }
  return hash.digest("hex");
}

/**
 * Installs the npm project in `dir` from its checked-in lock (`npm ci`) unless its
 * node_modules already holds the install of this very key; returns whether it ran npm.
 * The suites moved out of the pnpm workspace (test/runtimes, examples/next) call it on their
 * first run, so that `pnpm install` stays small and their runtimes are fetched only when run.
 */
export async function installLocked(
  dir: string,
  extra: readonly string[] = [],
  timeout = 600_000,
): Promise<boolean> {
  const key = await installKey(dir, extra);
  const stamp = join(dir, STAMP);
  if (existsSync(stamp) && (await readFile(stamp, "utf8")) === key) return false;
  // A half-finished install must not pass for a finished one: the stamp goes first.
  await rm(stamp, { force: true });
  await npmInstall(dir, "pinned", timeout);
  // npm ci of a project with nothing to install leaves no node_modules.
  await mkdir(dirname(stamp), { recursive: true });
  await writeFile(stamp, key);
  return true;
}
