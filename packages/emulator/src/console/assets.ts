import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A file of the console's page, held in memory. */
export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The page's files, in the package's `static/` folder, by the path they are served at. */
export const ASSET_FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  "/console/": { file: "console.html", contentType: "text/html; charset=utf-8" },
  "/console/console.css": { file: "console.css", contentType: "text/css; charset=utf-8" },
  "/console/console.js": { file: "console.js", contentType: "text/javascript; charset=utf-8" },
};

/**
 * The package's `static/` folder: beside `dist/` once built, two levels above this file in
 * the sources (the tests run those). Undefined when a bundler moved the code away from it.
 */
export function findStaticDir(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, "static");
    if (existsSync(join(candidate, "console.html"))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** Reads the page's files once, at start-up; undefined when they cannot be found. */
export function loadAssets(dir = findStaticDir()): ReadonlyMap<string, Asset> | undefined {
  if (dir === undefined) return undefined;
  const assets = new Map<string, Asset>();
  for (const [path, { file, contentType }] of Object.entries(ASSET_FILES)) {
    assets.set(path, { body: readFileSync(join(dir, file)), contentType });
  }
  return assets;
}
