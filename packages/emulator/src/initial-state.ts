import type { RootKeyRecord } from "./context";
import type { ResolvedEmulatorOptions } from "./options";
import { readDataFile, writeDataFile } from "./persistence";
import { hashKey } from "./resources";
import { chooseRootKey } from "./root-key-store";
import { applySeed, DEFAULT_WORKSPACE_ID, loadSeed } from "./seed";
import { State } from "./state";

/** The workspace and the root keys an emulator starts with. */
export interface InitialState {
  readonly state: State;
  /** By key hash: the seed's root keys and the run's full-rights one. */
  readonly rootKeys: Map<string, RootKeyRecord>;
  /** The run's full-rights root key (`Emulator.rootKey`). */
  readonly rootKey: string;
  /** Writes the workspace to the data file, if there is one; a no-op otherwise. */
  readonly save: () => void;
}

/**
 * Loads the data file, applies the seed and picks the run's root key; writes the data file at
 * once when it is new or must keep a newly generated root key.
 */
export function loadInitialState(config: ResolvedEmulatorOptions): InitialState {
  const loaded = config.dataFile ? readDataFile(config.dataFile) : undefined;
  const state = loaded ? State.fromSnapshot(loaded) : new State();
  const rootKeys = new Map<string, RootKeyRecord>();
  // A loaded data file already holds the seeded workspace: apply only root keys.
  const workspaceId = seedWorkspace(config, loaded ? new State() : state, rootKeys);
  const { rootKey, kept, unsaved } = chooseRootKey(config.rootKey, config.dataFile, loaded);
  rootKeys.set(hashKey(rootKey), { permissions: new Set(["*"]), workspaceId });

  const { dataFile } = config;
  const save = dataFile
    ? () => writeDataFile(dataFile, { ...state.toSnapshot(), rootKey: kept })
    : () => {};
  if (dataFile && (!loaded || unsaved)) save();
  return { state, rootKeys, rootKey, save };
}

/** Applies the `seed` option to `target`, adds its root keys; returns the workspace id. */
function seedWorkspace(
  config: ResolvedEmulatorOptions,
  target: State,
  rootKeys: Map<string, RootKeyRecord>,
): string {
  if (config.seed === undefined) return DEFAULT_WORKSPACE_ID;
  const { now } = config;
  const seed = loadSeed(config.seed);
  const workspaceId = seed.workspaceId ?? DEFAULT_WORKSPACE_ID;
  for (const root of applySeed(target, seed, now())) {
    rootKeys.set(hashKey(root.key), { permissions: new Set(root.permissions), workspaceId });
  }
  return workspaceId;
}
