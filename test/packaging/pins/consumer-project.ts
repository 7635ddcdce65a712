import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "../published";
import { report } from "./drift-report";
import { copyTarballs, tarballManifest, withKeyguard } from "./keyguard-tarballs";
import { assertPinsCurrent } from "./lock-check";
import { type Lockfile, type Manifest, stripKeyguardIntegrity } from "./lockfile";
import { type PinsMode, pinsMode } from "./mode";
import { movedVersions } from "./moved";
import { npmInstall } from "./registry";

/** The checked-in npm projects (package.json + package-lock.json each) the packaging suites install. */
export const CONSUMERS = join(ROOT, "test/packaging/consumers");

const readJson = async <T>(path: string): Promise<T> =>
  JSON.parse(await readFile(path, "utf8")) as T;
const writeJson = (path: string, value: unknown) =>
  writeFile(path, `${JSON.stringify(value, null, 2)}\n`);

/** The manifest a drift run installs: each held version released to its `driftRanges` range. */
function released(manifest: Manifest): Manifest {
  const ranges = manifest.driftRanges ?? {};
  const release = (deps: Record<string, string> | undefined) =>
    deps &&
    Object.fromEntries(Object.entries(deps).map(([name, spec]) => [name, ranges[name] ?? spec]));
  return {
    ...manifest,
    dependencies: release(manifest.dependencies),
    devDependencies: release(manifest.devDependencies),
  };
}

/** Pinned: the checked-in manifest and lock, checked against this run's tarballs. */
async function preparePinned(project: string, dir: string, tarballs: Record<string, string>) {
  const fixture = join(CONSUMERS, project);
  if (!existsSync(join(fixture, "package-lock.json"))) {
    throw new Error(`${project} has no pinned lock: run \`pnpm pins:update\``);
  }
  const manifest = await readJson<Manifest>(join(fixture, "package.json"));
  const lock = await readJson<Lockfile>(join(fixture, "package-lock.json"));
  const packed = await Promise.all(Object.values(tarballs).map(tarballManifest));
  assertPinsCurrent(project, manifest, lock, packed);
  await writeJson(join(dir, "package.json"), manifest);
  await writeJson(join(dir, "package-lock.json"), lock);
}

/** Update and drift: after a fresh install, what moved since the pins; update writes the new pins. */
async function afterFresh(project: string, dir: string, manifest: Manifest, mode: PinsMode) {
  const fixture = join(CONSUMERS, project);
  const pinnedPath = join(fixture, "package-lock.json");
  const pinned = existsSync(pinnedPath) ? await readJson<Lockfile>(pinnedPath) : undefined;
  const fresh = await readJson<Lockfile>(join(dir, "package-lock.json"));
  report(project, "moved", movedVersions(manifest, pinned, fresh));
  if (mode !== "update") return;
  await writeJson(join(fixture, "package.json"), manifest);
  await writeJson(pinnedPath, stripKeyguardIntegrity(fresh));
}

/**
 * Installs the consumer project `test/packaging/consumers/<project>` with this run's packed
 * tarballs (name → path) into `<into>/<project>` and returns that directory. In the pinned mode
 * (`pnpm test`) it is `npm ci` from the checked-in lock, after checking that the lock still
 * matches what the tarballs declare; see mode.ts for `pins:update` and `test:drift`.
 */
export async function installConsumer(
  project: string,
  into: string,
  tarballs: Record<string, string>,
): Promise<string> {
  const mode = pinsMode();
  const dir = join(into, project);
  await mkdir(dir, { recursive: true });
  await copyTarballs(tarballs, dir);
  if (mode === "pinned") {
    await preparePinned(project, dir, tarballs);
    await npmInstall(dir, mode);
    return dir;
  }
  const checkedIn = await readJson<Manifest>(join(CONSUMERS, project, "package.json"));
  const manifest = withKeyguard(checkedIn, Object.keys(tarballs));
  await writeJson(join(dir, "package.json"), mode === "drift" ? released(manifest) : manifest);
  await npmInstall(dir, mode);
  await afterFresh(project, dir, manifest, mode);
  return dir;
}
