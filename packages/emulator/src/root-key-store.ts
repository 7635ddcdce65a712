import { newRootKey } from "./ids";
import type { Snapshot } from "./state";

/** The full-rights root key of one run, and the one the data file keeps. */
export interface RootKeyChoice {
  /** What clients must send during this run. */
  readonly rootKey: string;
  /** What the data file holds, written with every save; `undefined` when it keeps none. */
  readonly kept: string | undefined;
  /** Whether the data file must be written at start so that the next start finds `kept`. */
  readonly unsaved: boolean;
}

/**
 * Picks the run's root key: the one given (`rootKey` / `--root-key`), else the one the data
 * file keeps, else a new one, which a data file then keeps. An app configured with the
 * printed key thus keeps working across restarts of an emulator with `--data`.
 *
 * The key is kept in plaintext because the CLI must print it again: any secret the file
 * held to derive it would let whoever reads the file derive it just the same, so it would
 * hide the key without protecting it. The file is already mode 0600 and holds the whole
 * workspace; the key opens only this emulator. A key the user gave is never written: they
 * keep it already, and it may be one they use elsewhere.
 */
export function chooseRootKey(
  given: string | undefined,
  dataFile: string | undefined,
  loaded: Snapshot | undefined,
): RootKeyChoice {
  if (given !== undefined) return { rootKey: given, kept: loaded?.rootKey, unsaved: false };
  if (dataFile === undefined) return { rootKey: newRootKey(), kept: undefined, unsaved: false };
  if (loaded?.rootKey !== undefined)
    return { rootKey: loaded.rootKey, kept: loaded.rootKey, unsaved: false };
  const rootKey = newRootKey();
  return { rootKey, kept: rootKey, unsaved: true };
}
