import { cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const APP = fileURLToPath(new URL("../", import.meta.url));
/** Inside the example (gitignored), so that Next finds the workspace and its node_modules. */
const VARIANTS = join(APP, ".variants");

/**
 * A copy of the example with `edge/middleware.ts` as its `middleware.ts` and no `proxy.ts`
 * (Next refuses an app with both): the same app on Next's older convention, the Edge
 * runtime. Returns its directory; `remove()` deletes it.
 */
export async function edgeVariant(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = join(VARIANTS, "edge");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(join(APP, "app"), join(dir, "app"), { recursive: true });
  for (const file of ["next.config.mjs", "package.json"])
    await cp(join(APP, file), join(dir, file));
  await cp(join(APP, "edge/middleware.ts"), join(dir, "middleware.ts"));
  // Two levels deeper than the example: its `extends` must reach the same base.
  const tsconfig = await readFile(join(APP, "tsconfig.json"), "utf8");
  await writeFile(join(dir, "tsconfig.json"), tsconfig.replace('"../../', '"../../../../'));
  await symlink("../../node_modules", join(dir, "node_modules"), "dir");
  return { dir, remove: () => rm(VARIANTS, { recursive: true, force: true }) };
}
