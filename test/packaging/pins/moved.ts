import { entriesOf, isKeyguardPath, type Lockfile, type Manifest } from "./lockfile";

/** A direct dependency whose installed version differs between two locks. */
export interface Moved {
  name: string;
  /** The version of the checked-in lock; undefined when it had none. */
  from: string | undefined;
  /** The version of the fresh resolution; undefined when it has none. */
  to: string | undefined;
}

/**
 * What a user picks when installing keyguard: the manifest's own third-party dependencies, and
 * the peers the keyguard packages declare (npm installs a missing peer itself, so a peer moves
 * with the registry even when no manifest names it).
 */
export function directNames(manifest: Manifest, lock: Lockfile): string[] {
  const names = new Set(
    [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.devDependencies ?? {}),
    ].filter((name) => !name.startsWith("@keyguard/")),
  );
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (isKeyguardPath(path))
      for (const peer of Object.keys(entry.peerDependencies ?? {})) names.add(peer);
  }
  return [...names].sort();
}

/** The version installed at the top of the tree (`node_modules/<name>`). */
function topVersion(lock: Lockfile | undefined, name: string): string | undefined {
  if (lock === undefined) return undefined;
  return entriesOf(lock, name).find(([path]) => path === `node_modules/${name}`)?.[1].version;
}

/** Each direct dependency of `manifest` whose version moved from the `pinned` lock to `fresh`. */
export function movedVersions(
  manifest: Manifest,
  pinned: Lockfile | undefined,
  fresh: Lockfile,
): Moved[] {
  const names = new Set(directNames(manifest, fresh));
  if (pinned !== undefined) for (const name of directNames(manifest, pinned)) names.add(name);
  return [...names]
    .sort()
    .map((name) => ({ name, from: topVersion(pinned, name), to: topVersion(fresh, name) }))
    .filter((m) => m.from !== m.to);
}
