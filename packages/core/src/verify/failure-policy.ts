import { VerifierError } from "../errors";
import type { ResolvedVerifierOptions } from "../options/verifier-options";
import type { PreparedRequest } from "../options/verify-request";
import type { VerifyResult } from "../types";
import { answerFrom, variant } from "./cached-answer";
import type { VerifierState } from "./verifier-state";

/** How often an ongoing outage is logged, at most. */
export const UNAVAILABLE_LOG_INTERVAL_MS = 30_000;

type FailureSettings = Pick<
  ResolvedVerifierOptions,
  "logger" | "verifyUrl" | "failureMode" | "staleIfErrorMs"
>;

/**
 * Says why requests are refused, once for a misconfiguration and at most every
 * {@link UNAVAILABLE_LOG_INTERVAL_MS} for an outage, naming the URL called
 * (a root key for the emulator with the default `baseUrl` looks like either).
 */
export function failureReport(settings: Omit<FailureSettings, "staleIfErrorMs">) {
  let misconfigurationLogged = false;
  let unavailableLoggedAt = Number.NEGATIVE_INFINITY;
  return (error: unknown): void => {
    if (!(error instanceof VerifierError)) return;
    const where = `(${settings.verifyUrl})`;
    if (error.code === "VERIFIER_MISCONFIGURED") {
      if (misconfigurationLogged) return;
      misconfigurationLogged = true;
      settings.logger.error(
        `[keyguard] ${error.message} ${where} Every guarded request answers 500 until this is fixed.`,
      );
    } else if (Date.now() - unavailableLoggedAt >= UNAVAILABLE_LOG_INTERVAL_MS) {
      unavailableLoggedAt = Date.now();
      settings.logger.warn(
        `[keyguard] ${error.message} ${where} Guarded requests are refused with 503 while this lasts` +
          (settings.failureMode === "open"
            ? " (or let through flagged, where fail-open applies)."
            : "."),
      );
    }
  };
}

/** What a verifier does when Unkey gives no answer. */
export interface FailurePolicy {
  /** Counts the failure, reports it (see {@link failureReport}) and passes it on. */
  readonly fail: (error: unknown) => never;
  /**
   * A stale answer in place of a failure, only in an outage (the rule fail-open follows):
   * while Unkey answers other calls, the failed call may be the one asking about a key
   * revoked since, so its stale VALID is never served. Rethrows otherwise.
   */
  readonly staleOr: (error: unknown, hash: string, request: PreparedRequest) => VerifyResult;
}

/** A verifier's failure policy: reporting, and stale-if-error (`staleIfErrorMs`). */
export function createFailurePolicy(
  settings: FailureSettings,
  state: Pick<VerifierState, "cache" | "counters">,
): FailurePolicy {
  const report = failureReport(settings);
  const { cache, counters } = state;
  return {
    fail(error: unknown): never {
      counters.failures++;
      report(error);
      throw error;
    },
    staleOr(error: unknown, hash: string, request: PreparedRequest): VerifyResult {
      const entry = cache?.get(hash, Date.now());
      const outage = !(error instanceof VerifierError) || error.outage;
      if (entry?.kind === "valid" && settings.staleIfErrorMs > 0 && outage) {
        counters.staleServed++;
        return variant(answerFrom(entry, request.query), { source: "stale" });
      }
      throw error;
    },
  };
}
