import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import type { Snapshot } from "./state";

/** A data file that exists but cannot be used; it is left untouched. */
export class DataFileError extends Error {
  override readonly name = "DataFileError";
}

const snapshotSchema = z.object({
  version: z.literal(1),
  apis: z.array(z.object({ id: z.string(), name: z.string() }).loose()),
  keys: z.array(z.object({ id: z.string(), hash: z.string(), apiId: z.string() }).loose()),
  permissions: z.array(z.object({ id: z.string(), slug: z.string() }).loose()),
  roles: z.array(z.object({ id: z.string(), name: z.string() }).loose()),
  identities: z.array(z.object({ id: z.string(), externalId: z.string() }).loose()),
  overrides: z
    .array(
      z
        .object({
          id: z.string(),
          namespaceId: z.string(),
          identifier: z.string(),
          limit: z.number(),
          duration: z.number(),
        })
        .loose(),
    )
    .optional(),
});

/** Reads the data file: undefined when it does not exist yet, throws when it is unusable. */
export function readDataFile(path: string): Snapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
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

let tempCounter = 0;

/**
 * Saves atomically: a temp file in the same directory, then a rename over the
 * target. The file is created with mode 0600: it holds key hashes, metadata and
 * identities, which other local users have no business reading.
 */
export function writeDataFile(path: string, snapshot: Snapshot): void {
  tempCounter += 1;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.tmp`);
  writeFileSync(temp, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temp, path);
}
