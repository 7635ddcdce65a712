import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { snapshotSchema } from "./data-file-schema";
import type { Snapshot } from "./state";

/** A data file that exists but cannot be used; it is left untouched. */
export class DataFileError extends Error {
  override readonly name = "DataFileError";
}

// Not defined on Windows, where the lstat check alone stands.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Refuses anything at `path` but a regular file (or nothing): a symlink planted
 * there would have the emulator read, or replace, a file it was never given.
 * Returns whether a file exists.
 */
function checkRegularFile(path: string): boolean {
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new DataFileError(`Cannot read data file ${path}: ${(error as Error).message}`);
  }
  if (stats.isSymbolicLink()) {
    throw new DataFileError(
      `Data file ${path} is a symbolic link; the emulator reads and writes only a regular file. Pass the link's target as the data file instead.`,
    );
  }
  if (!stats.isFile()) throw new DataFileError(`Data file ${path} is not a regular file.`);
  // It holds key hashes and the generated root key: readable by its owner only, even when
  // someone loosened it since the last save (on Windows, mode bits mean little; skipped).
  if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) chmodSync(path, 0o600);
  return true;
}

function readText(path: string): string {
  // O_NOFOLLOW: a symlink swapped in after the lstat check fails here (ELOOP) instead of being read.
  const fd = openSync(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the data file: undefined when it does not exist yet, throws when it is
 * unusable (a symlink, not a file, not JSON, not an emulator data file).
 */
export function readDataFile(path: string): Snapshot | undefined {
  let text: string;
  try {
    if (!checkRegularFile(path)) return undefined;
    text = readText(path);
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(`Cannot read data file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DataFileError(
      `Data file ${path} is not valid JSON (${(error as Error).message}); fix or remove it.`,
    );
  }
  const result = snapshotSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new DataFileError(
      `Data file ${path} is not an emulator data file (${first ? `${first.path.join(".")}: ${first.message}` : "bad shape"}); fix or remove it.`,
    );
  }
  return raw as Snapshot;
}

/** A temp file name beside `path` that no other local user can guess (128 random bits). */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(16).toString("hex")}.tmp`);
}

/**
 * Saves atomically: a temp file in the same directory, then a rename over the
 * target. The temp file gets an unpredictable name and is created exclusively
 * (`wx`: O_CREAT | O_EXCL, which also refuses an existing symlink), so nothing
 * planted in the directory is followed or overwritten; with mode 0600, since it
 * holds key hashes, metadata and identities, which other local users have no
 * business reading. A data file replaced by a symlink since start-up is refused.
 * `temp` is for tests.
 */
export function writeDataFile(path: string, snapshot: Snapshot, temp = tempNameFor(path)): void {
  checkRegularFile(path);
  let fd: number;
  try {
    fd = openSync(temp, "wx", 0o600);
  } catch (error) {
    // EEXIST: something is at the temp name already; it is not ours, so it is left alone.
    throw new DataFileError(
      `Cannot save data file ${path} (temp file ${temp}): ${(error as Error).message}`,
    );
  }
  try {
    try {
      writeFileSync(fd, JSON.stringify(snapshot));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw new DataFileError(`Cannot save data file ${path}: ${(error as Error).message}`);
  }
}
