import { SCENARIOS, type Scenario } from "../conformance/scenarios";

/**
 * Why a conformance scenario cannot run in another runtime, or `undefined` when it
 * can. The table's other scenarios all run: presenting keys, every verify code,
 * permission queries, the cache (hits make no upstream call), metering, rate limits,
 * Unkey down (fault injection and a closed port), fail-open, preflights, hooks
 * (rebuilt from their data there) and start-up errors.
 */
export function notRunnableElsewhere(scenario: Scenario): string | undefined {
  // The test fakes Date in its own process; the runtime's clock cannot be moved.
  if (scenario.steps.some((step) => "advanceMs" in step)) return "moves the clock";
  // The verifier is built in the test process to reach its cache; there it lives elsewhere.
  if (scenario.ownVerifier) return "invalidates a verifier the test holds";
  return undefined;
}

/** The scenarios every runtime runs. */
export const RUNTIME_SCENARIOS: readonly Scenario[] = SCENARIOS.filter(
  (scenario) => notRunnableElsewhere(scenario) === undefined,
);
