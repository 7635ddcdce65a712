import type { GuardOptions } from "@keyguard/core";
import {
  createGuard,
  GUARD_ONLY_OPTION_NAMES,
  type Guard,
  ROUTE_OPTION_NAMES,
} from "@keyguard/core/adapter";
import { checkOptionsAtBuild, isNextBuild } from "./build-phase";
import { sharedVerifier } from "./shared-verifier";

// What createGuard takes besides the verifier's own options.
const GUARD_ONLY = new Set<string>([...ROUTE_OPTION_NAMES, ...GUARD_ONLY_OPTION_NAMES]);

/** The verifier's own options, and the rest (`verifier` included). */
function splitVerifierOptions(options: GuardOptions) {
  const verifierOptions: Record<string, unknown> = {};
  const guardOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (GUARD_ONLY.has(name)) guardOptions[name] = value;
    else verifierOptions[name] = value;
  }
  return { verifierOptions, guardOptions };
}

/**
 * The core's guard, on the given `verifier` or else on the process-wide verifier
 * for these verifier options (see shared-verifier.ts): every route module that
 * wraps its handlers with the same options shares one cache. Options were checked
 * by name already (splitHooks); values are checked here, at start-up.
 */
export function createNextGuard(options: GuardOptions): Guard {
  if (options.verifier !== undefined) return createGuard(options);
  const { verifierOptions, guardOptions } = splitVerifierOptions(options);
  return createGuard({ ...guardOptions, verifier: sharedVerifier(verifierOptions) });
}

/**
 * `create` run now, its result returned by each call; or, while `next build` evaluates
 * the module, the options checked now (all but the root key's presence) and `create`
 * run at the first call: the build needs no root key, a server still fails at start-up.
 */
export function deferredInBuild<T>(options: GuardOptions, create: () => T): () => T {
  if (!isNextBuild()) {
    const created = create();
    return () => created;
  }
  if (options.verifier === undefined) {
    const { verifierOptions, guardOptions } = splitVerifierOptions(options);
    checkOptionsAtBuild(verifierOptions, guardOptions);
  } else createGuard(options);
  let created: { value: T } | undefined;
  return () => {
    created ??= { value: create() };
    return created.value;
  };
}
