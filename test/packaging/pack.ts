import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { promisify } from "node:util";
import { assertBuilt, type Published, ROOT } from "./published";

const run = promisify(execFile);

/**
 * Packs a package with `pnpm pack` (which rewrites `workspace:` ranges as
 * publishing would) into `destination` and returns the tarball's path.
 * Lifecycle scripts are skipped: `prepack` would rebuild `dist/` in place while
 * other suites of the same run import it (clean-clone.test.ts checks `prepack`).
 */
export async function pack(pkg: Published, destination: string): Promise<string> {
  assertBuilt(pkg);
  const before = new Set(await readdir(destination));
  await run("pnpm", ["pack", "--config.ignore-scripts=true", "--pack-destination", destination], {
    cwd: `${ROOT}${pkg.dir}`,
  });
  const tarball = (await readdir(destination)).find((f) => !before.has(f) && f.endsWith(".tgz"));
  if (!tarball) throw new Error(`pnpm pack produced no tarball for ${pkg.name}`);
  return `${destination}/${tarball}`;
}
