import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import type { TestProject } from "vitest/node";
import { pack } from "./pack";
import { PUBLISHED } from "./published";

declare module "vitest" {
  export interface ProvidedContext {
    /** Package name → path of its tarball, or why packing failed (e.g. no dist/). */
    packed: { tarballs: Record<string, string> } | { error: string };
  }
}

/**
 * Global setup of the packaging project: packs every published package once,
 * for every suite that installs or inspects the tarballs (they call `packedTarballs()`).
 * A failure (a package not built) fails only those suites, not the ones that
 * read manifests and READMEs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workdir = await mkdtemp(join(tmpdir(), "keyguard-tarballs-"));
  try {
    // All at once, each into a folder of its own: pack() finds its tarball as the file
    // that appeared in its destination, and the tests wait for this setup.
    const packed = await Promise.all(
      PUBLISHED.map(async (pkg, index) => {
        const destination = join(workdir, String(index));
        await mkdir(destination);
        return [pkg.name, await pack(pkg, destination)] as const;
      }),
    );
    project.provide("packed", { tarballs: Object.fromEntries(packed) });
  } catch (error) {
    project.provide("packed", { error: error instanceof Error ? error.message : String(error) });
  }
  return () => rm(workdir, { recursive: true, force: true });
}

/** In a test: package name → tarball path, as packed by the global setup. */
export function packedTarballs(): Record<string, string> {
  const packed = inject("packed");
  if ("error" in packed) throw new Error(packed.error);
  return packed.tarballs;
}
