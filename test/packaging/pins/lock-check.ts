import { tarballSpec } from "./keyguard-tarballs";
import { entriesOf, type LockEntry, type Lockfile, type Manifest } from "./lockfile";

/**
 * What a lock entry copies from a package's manifest. `npm ci` installs from the lock alone: a
 * dependency a tarball declares but its lock entry lacks is silently not installed, a
 * dependency the lock still lists after the tarball dropped it silently is.
 */
const FIELDS = [
  "dependencies",
  "optionalDependencies",
  "peerDependencies",
  "peerDependenciesMeta",
] as const;

/** Order-insensitive equality of two dependency maps (a missing map is an empty one). */
function sameMap(a: object | undefined, b: object | undefined): boolean {
  const canonical = (value: object | undefined) =>
    JSON.stringify(Object.entries(value ?? {}).sort(([x], [y]) => (x < y ? -1 : 1)));
  return canonical(a) === canonical(b);
}

const show = (value: object | undefined) => JSON.stringify(value ?? {});

/** How one lock entry of a packed package differs from the tarball's own manifest. */
function entryProblems(path: string, entry: LockEntry, packed: Manifest): string[] {
  const name = packed.name ?? path;
  const problems: string[] = [];
  if (entry.resolved !== tarballSpec(name)) {
    problems.push(`${path}: resolved ${entry.resolved} in the lock, not ${tarballSpec(name)}`);
  }
  if (entry.integrity !== undefined) {
    problems.push(`${path}: an integrity in the lock (npm ci would install a cached old tarball)`);
  }
  if (entry.version !== packed.version) {
    problems.push(`${path}: version ${entry.version} in the lock, ${packed.version} packed`);
  }
  for (const field of FIELDS) {
    if (!sameMap(entry[field], packed[field])) {
      problems.push(
        `${path}: ${field} ${show(entry[field])} in the lock, ${show(packed[field])} packed`,
      );
    }
  }
  return problems;
}

/** How the manifest's keyguard dependencies differ from the packages packed this run. */
function manifestProblems(manifest: Manifest, packed: readonly Manifest[]): string[] {
  const wanted = new Map(packed.map((p) => [p.name ?? "", tarballSpec(p.name ?? "")]));
  const listed = Object.entries(manifest.dependencies ?? {}).filter(([name]) =>
    name.startsWith("@keyguard/"),
  );
  const problems = listed
    .filter(([name, spec]) => wanted.get(name) !== spec)
    .map(([name, spec]) => `package.json: ${name} is ${spec}, not a packed tarball`);
  for (const [name, spec] of wanted) {
    if (manifest.dependencies?.[name] !== spec) problems.push(`package.json: no ${name} (${spec})`);
  }
  return problems;
}

/** How the lock's root entry differs from the manifest (npm ci refuses that, less clearly). */
function rootProblems(manifest: Manifest, lock: Lockfile): string[] {
  const root = lock.packages[""] ?? {};
  return (["dependencies", "devDependencies"] as const)
    .filter((field) => !sameMap(root[field], manifest[field]))
    .map((field) => `package.json: ${field} differ from the lock's ${show(root[field])}`);
}

/**
 * Every way a consumer project's checked-in manifest and lock no longer match the tarballs
 * packed this run (each a line naming the package and the field); empty when `npm ci` would
 * install exactly what the tarballs declare.
 */
export function pinProblems(
  manifest: Manifest,
  lock: Lockfile,
  packed: readonly Manifest[],
): string[] {
  const problems = [...manifestProblems(manifest, packed), ...rootProblems(manifest, lock)];
  for (const tarball of packed) {
    const entries = entriesOf(lock, tarball.name ?? "");
    if (entries.length === 0) problems.push(`${tarball.name}: not in the lock`);
    for (const [path, entry] of entries) problems.push(...entryProblems(path, entry, tarball));
  }
  return problems;
}

/** The error a pinned install stops with when its lock is out of date. */
export class PinsOutOfDateError extends Error {
  constructor(
    readonly project: string,
    readonly problems: readonly string[],
  ) {
    super(
      `the pinned lock of ${project} is out of date: run \`pnpm pins:update\`\n  ${problems.join("\n  ")}`,
    );
    this.name = "PinsOutOfDateError";
  }
}

/** Throws a PinsOutOfDateError naming every difference, unless there is none. */
export function assertPinsCurrent(
  project: string,
  manifest: Manifest,
  lock: Lockfile,
  packed: readonly Manifest[],
): void {
  const problems = pinProblems(manifest, lock, packed);
  if (problems.length > 0) throw new PinsOutOfDateError(project, problems);
}
