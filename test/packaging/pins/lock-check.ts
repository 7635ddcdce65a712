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

const show = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value));

/**
 * Each key on which a map of the lock and the actual one differ (a missing map is empty), as
 * `field.key <actual> <where>, <locked> in the lock`.
 */
function differences(
  field: string,
  locked: Readonly<Record<string, unknown>> | undefined,
  actual: Readonly<Record<string, unknown>> | undefined,
  where: string,
): string[] {
  const keys = new Set([...Object.keys(locked ?? {}), ...Object.keys(actual ?? {})]);
  return [...keys]
    .sort()
    .filter((key) => JSON.stringify(locked?.[key]) !== JSON.stringify(actual?.[key]))
    .map(
      (key) =>
        `${field}.${key} ${show(actual?.[key])} ${where}, ${show(locked?.[key])} in the lock`,
    );
}

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
    for (const difference of differences(field, entry[field], packed[field], "packed")) {
      problems.push(`${path}: ${difference}`);
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
  return (["dependencies", "devDependencies"] as const).flatMap((field) =>
    differences(field, root[field], manifest[field], "in package.json").map(
      (difference) => `package.json: ${difference}`,
    ),
  );
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
