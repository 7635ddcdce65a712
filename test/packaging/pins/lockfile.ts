/** The parts of an npm manifest the pinned installs read and write. */
export interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  overrides?: Record<string, unknown>;
  /**
   * Fixtures only: the range `pnpm test:drift` installs in place of a version held back in
   * `dependencies` (with the reason in the manifest's `//` note).
   */
  driftRanges?: Record<string, string>;
}

/** One package of an npm lock (lockfileVersion 2 and 3: `packages`, keyed by install path). */
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** An npm `package-lock.json`. */
export interface Lockfile {
  name?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** The lock path of a package name (`node_modules/<name>`), and every nested copy of it. */
export function entriesOf(lock: Lockfile, name: string): Array<[string, LockEntry]> {
  const suffix = `node_modules/${name}`;
  return Object.entries(lock.packages).filter(
    ([path]) => path === suffix || path.endsWith(`/${suffix}`),
  );
}

/** Whether a lock path installs a keyguard package (`…node_modules/@keyguard/<name>`). */
export function isKeyguardPath(path: string): boolean {
  return /(?:^|\/)node_modules\/@keyguard\/[^/]+$/.test(path);
}

/**
 * The lock to check in: the `@keyguard/*` entries without `integrity`. The tarballs are packed
 * anew every run under the same file name, and npm's cache is keyed by integrity: with the
 * packing-day integrity in the lock, `npm ci` silently installs the tarball it cached that day
 * instead of the one in the project.
 */
export function stripKeyguardIntegrity(lock: Lockfile): Lockfile {
  const packages = Object.fromEntries(
    Object.entries(lock.packages).map(([path, entry]) => {
      if (!isKeyguardPath(path)) return [path, entry];
      const { integrity: _dropped, ...rest } = entry;
      return [path, rest];
    }),
  );
  return { ...lock, packages };
}
