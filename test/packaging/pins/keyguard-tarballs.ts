import { execFile } from "node:child_process";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Manifest } from "./lockfile";

const run = promisify(execFile);

/**
 * Where a consumer project holds a packed keyguard package: a name without the version, the
 * same every run, so the checked-in manifest and lock can point at it (`@keyguard/core` →
 * `tarballs/keyguard-core.tgz`).
 */
export function tarballFile(name: string): string {
  return `tarballs/${name.replace(/^@/, "").replace("/", "-")}.tgz`;
}

/** The dependency spec of a packed keyguard package in a consumer project. */
export function tarballSpec(name: string): string {
  return `file:${tarballFile(name)}`;
}

/**
 * A consumer manifest depending on exactly `names` from their tarballs, its third-party
 * dependencies as they were. The adapters depend on `@keyguard/core` by version: the override
 * resolves it to the packed tarball rather than the registry.
 */
export function withKeyguard(manifest: Manifest, names: readonly string[]): Manifest {
  const thirdParty = Object.entries(manifest.dependencies ?? {}).filter(
    ([name]) => !name.startsWith("@keyguard/"),
  );
  const keyguard = [...names].sort().map((name) => [name, tarballSpec(name)]);
  const overrides = { ...manifest.overrides, "@keyguard/core": tarballSpec("@keyguard/core") };
  return {
    ...manifest,
    dependencies: Object.fromEntries([...keyguard, ...thirdParty]),
    overrides,
  };
}

/** Copies each packed tarball (name → path) into `dir` under its version-less name. */
export async function copyTarballs(tarballs: Record<string, string>, dir: string): Promise<void> {
  await mkdir(join(dir, "tarballs"), { recursive: true });
  for (const [name, path] of Object.entries(tarballs)) {
    await copyFile(path, join(dir, tarballFile(name)));
  }
}

/** The package.json inside a packed tarball. */
export async function tarballManifest(path: string): Promise<Manifest> {
  const { stdout } = await run("tar", ["-xzOf", path, "package/package.json"]);
  return JSON.parse(stdout) as Manifest;
}
