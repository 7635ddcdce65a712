import { fileURLToPath } from "node:url";
import { installLocked } from "../packaging/pins/locked-install";

/**
 * Global setup of the runtimes suite: Bun, Deno and workerd (about 370 MB) are not part of
 * the workspace's `pnpm install`; the first run installs them from this folder's
 * package-lock.json (see CONTRIBUTING's "Suites installed on first run").
 */
export default async function setup(): Promise<void> {
  const started = Date.now();
  if (await installLocked(fileURLToPath(new URL("./", import.meta.url)))) {
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`runtimes: installed Bun, Deno and workerd from package-lock.json in ${seconds} s`);
  }
}
