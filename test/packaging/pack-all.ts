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
 * for every suite that installs the tarballs (they call `packedTarballs()`).
 * A failure (a package not built) fails only those suites, not the ones that
 * read manifests and READMEs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workdir = await mkdtemp(join(tmpdir(), "keyguard-tarballs-"));
  const destination = join(workdir, "tarballs");
  await mkdir(destination);
  try {
    const tarballs: Record<string, string> = {};
    for (const pkg of PUBLISHED) tarballs[pkg.name] = await pack(pkg, destination);
    project.provide("packed", { tarballs });
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
