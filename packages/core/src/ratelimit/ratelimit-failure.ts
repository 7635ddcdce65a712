import { VerifierError } from "../errors";
import type { ResolvedRatelimiterOptions } from "./ratelimit-options";

/** How often an ongoing outage is logged, at most. */
const UNAVAILABLE_LOG_INTERVAL_MS = 30_000;

/** Logs a misconfiguration once and an outage at most every 30 s; never the root key. */
export function createReporter(
  resolved: Pick<ResolvedRatelimiterOptions, "displayUrl" | "namespace" | "logger">,
) {
  let misconfigured = false;
  let unavailableAt = Number.NEGATIVE_INFINITY;
  return (error: unknown) => {
    if (!(error instanceof VerifierError)) return;
    const where = `(${resolved.displayUrl}, namespace ${JSON.stringify(resolved.namespace)})`;
    if (error.code === "VERIFIER_MISCONFIGURED") {
      if (misconfigured) return;
      misconfigured = true;
      resolved.logger.error(`[keyguard] ratelimit: ${error.message} ${where}`);
    } else if (Date.now() - unavailableAt >= UNAVAILABLE_LOG_INTERVAL_MS) {
      unavailableAt = Date.now();
      resolved.logger.warn(`[keyguard] ratelimit: ${error.message} ${where}`);
    }
  };
}

/**
 * Whether a failure lets the call through under fail-open: an outage, never Unkey's own 429
 * nor one stalled call while Unkey answers the others (an attacker who can slow one call
 * down must not open a login limit).
 */
export const isOutage = (error: unknown) => error instanceof VerifierError && error.outage;
