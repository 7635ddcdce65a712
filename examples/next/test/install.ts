import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pack } from "../../../test/packaging/pack";
import { copyTarballs, tarballFile } from "../../../test/packaging/pins/keyguard-tarballs";
import { installLocked } from "../../../test/packaging/pins/locked-install";
import { PUBLISHED } from "../../../test/packaging/published";

const APP = fileURLToPath(new URL("../", import.meta.url));
/** What the example installs from the workspace, as a user would from the registry. */
const KEYGUARD = ["@keyguard/core", "@keyguard/next", "@keyguard/emulator"];

/**
 * Global setup of the example's test: Next.js 16 (about 300 MB with its SWC binary) is not
 * part of the workspace's `pnpm install`. Packs the @keyguard packages into tarballs/ and
 * installs the example from its package-lock.json with them: on the first run, and again
 * whenever the lock or a tarball changes (a rebuilt package), as locked-install.ts keys it.
 */
export default async function setup(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), "keyguard-next-tarballs-"));
  try {
    const tarballs: Record<string, string> = {};
    for (const pkg of PUBLISHED.filter((p) => KEYGUARD.includes(p.name)))
      tarballs[pkg.name] = await pack(pkg, scratch);
    await copyTarballs(tarballs, APP);
    const started = Date.now();
    const packed = KEYGUARD.map((name) => join(APP, tarballFile(name)));
    if (await installLocked(APP, packed)) {
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`example-next: installed Next.js from package-lock.json in ${seconds} s`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
