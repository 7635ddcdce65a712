import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pack } from "../../../test/packaging/pack";
import {
  copyTarballs,
  tarballFile,
  tarballManifest,
} from "../../../test/packaging/pins/keyguard-tarballs";
import { pinProblems } from "../../../test/packaging/pins/lock-check";
import { installLocked } from "../../../test/packaging/pins/locked-install";
import { PUBLISHED } from "../../../test/packaging/published";

const APP = fileURLToPath(new URL("../", import.meta.url));
/** What the example installs from the workspace, as a user would from the registry. */
const KEYGUARD = ["@keyguard/core", "@keyguard/next", "@keyguard/emulator"];

/**
 * `npm ci` installs from the lock alone: a dependency a rebuilt tarball added but the lock
 * lacks would silently be missing, so the lock is checked against the tarballs first.
 */
async function assertLockCurrent(tarballs: readonly string[]): Promise<void> {
  const read = async (file: string) => JSON.parse(await readFile(join(APP, file), "utf8"));
  const packed = await Promise.all(tarballs.map(tarballManifest));
  // The check reads `dependencies`; the example takes the emulator as a devDependency.
  const merged = <T extends { dependencies?: object; devDependencies?: object }>(m: T): T => ({
    ...m,
    dependencies: { ...m.dependencies, ...m.devDependencies },
  });
  const lock = await read("package-lock.json");
  lock.packages[""] = merged(lock.packages[""]);
  const problems = pinProblems(merged(await read("package.json")), lock, packed);
  if (problems.length > 0) {
    throw new Error(
      `examples/next/package-lock.json is out of date (CONTRIBUTING, "Suites installed on first run"):\n  ${problems.join("\n  ")}`,
    );
  }
}

/** The bound of a first run's install (npm ci of about 360 MB). */
export const INSTALL_MS = 600_000;

/**
 * Next.js 16 (about 300 MB with its SWC binary) is not part of the workspace's `pnpm
 * install`. Packs the @keyguard packages into tarballs/ and installs the example from its
 * package-lock.json with them: on the first run, and again whenever the lock or a tarball
 * changes (a rebuilt package), as locked-install.ts keys it. Called from the test's first
 * hook rather than a Vitest global setup, which would hold every project's first test until
 * npm is done: in a hook, the install runs beside the other suites' tests.
 */
export async function installExample(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), "keyguard-next-tarballs-"));
  try {
    const tarballs: Record<string, string> = {};
    for (const pkg of PUBLISHED.filter((p) => KEYGUARD.includes(p.name)))
      tarballs[pkg.name] = await pack(pkg, scratch);
    await copyTarballs(tarballs, APP);
    await assertLockCurrent(Object.values(tarballs));
    const started = Date.now();
    const packed = KEYGUARD.map((name) => join(APP, tarballFile(name)));
    if (await installLocked(APP, packed, INSTALL_MS)) {
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`example-next: installed Next.js from package-lock.json in ${seconds} s`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
