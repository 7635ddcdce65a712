import { createVerifier, type GuardOptions, type VerifierOptions } from "@keyguard/core";
import { createGuard, resolveVerifierOptions } from "@keyguard/core/adapter";

// `PHASE_PRODUCTION_BUILD` of next/constants: the phase `next build` sets in NEXT_PHASE
// while it evaluates route modules ("Collecting page data"). Spelled here: importing
// next/constants would pull Next's server code into the Edge bundle.
const PRODUCTION_BUILD = "phase-production-build";

// Stands in for the root key the build need not have. Never sent: the only verifier
// built with it has no cache, serves no request, and is dropped at once.
const STAND_IN_ROOT_KEY = "keyguard_next_build_stand_in";

/** Whether `next build` is evaluating this module, rather than a server about to serve it. */
export function isNextBuild(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return env?.NEXT_PHASE === PRODUCTION_BUILD;
}

/**
 * Checks every option by name and value as creating the guard would, except that a
 * missing root key is not an error and nothing is created that lives on (no verifier,
 * no `sharedCache` subscription): what `next build` can check without the secret.
 */
export function checkOptionsAtBuild(
  verifierOptions: Record<string, unknown>,
  guardOptions: Record<string, unknown>,
): void {
  resolveVerifierOptions({
    ...verifierOptions,
    rootKey: verifierOptions.rootKey ?? STAND_IN_ROOT_KEY,
  } as VerifierOptions);
  createGuard({
    ...guardOptions,
    verifier: createVerifier({ rootKey: STAND_IN_ROOT_KEY, cache: false }),
  } as GuardOptions);
}
