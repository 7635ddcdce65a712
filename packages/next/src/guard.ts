import type { GuardOptions } from "@keyguard/core";
import { createGuard, type Guard, ROUTE_OPTION_NAMES } from "@keyguard/core/adapter";
import { sharedVerifier } from "./shared-verifier";

// What createGuard takes besides the verifier's own options.
const GUARD_ONLY = new Set<string>([...ROUTE_OPTION_NAMES, "verifier", "keySources", "preflight"]);

/**
 * The core's guard, on the given `verifier` or else on the process-wide verifier
 * for these verifier options (see shared-verifier.ts): every route module that
 * wraps its handlers with the same options shares one cache. Options were checked
 * by name already (splitHooks); values are checked here, at start-up.
 */
export function createNextGuard(options: GuardOptions): Guard {
  if (options.verifier !== undefined) return createGuard(options);
  const verifierOptions: Record<string, unknown> = {};
  const guardOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (GUARD_ONLY.has(name)) guardOptions[name] = value;
    else verifierOptions[name] = value;
  }
  return createGuard({ ...guardOptions, verifier: sharedVerifier(verifierOptions) });
}
