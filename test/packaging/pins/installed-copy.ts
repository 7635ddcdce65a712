import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The files of `tarball` whose copy under `<project>/node_modules/<name>` differs from it or is
 * missing: empty when npm installed exactly this packing (and not, say, the copy its cache
 * holds from an earlier packing under the same integrity).
 */
export async function differingFiles(
  project: string,
  name: string,
  tarball: string,
): Promise<string[]> {
  const scratch = await mkdtemp(join(project, ".unpacked-"));
  try {
    await run("tar", ["-xzf", tarball, "-C", scratch]);
    const listing = (await run("tar", ["-tzf", tarball])).stdout.split("\n");
    const files = listing.filter((file) => file.startsWith("package/") && !file.endsWith("/"));
    const differing: string[] = [];
    for (const file of files) {
      const relative = file.slice("package/".length);
      const installed = join(project, "node_modules", name, relative);
      const packed = await readFile(join(scratch, file));
      if (!existsSync(installed) || !(await readFile(installed)).equals(packed))
        differing.push(relative);
    }
    return differing;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
