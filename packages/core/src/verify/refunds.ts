import type { ResolvedVerifierOptions } from "../options/verifier-options";
import type { UnkeyCall } from "../transport/unkey-call";
import type { CreditsAnswer, IncrementCreditsBody } from "../transport/update-credits";
import { createIncrementCredits } from "../transport/update-credits";

/** Gives charged credits back, through the verifier's connection; counted in `stats()`. */
export interface Refunds {
  /**
   * Increments the key's credits by `cost`. Resolves `true` once Unkey confirmed, `false`
   * after a failure, which is logged (the key id and the reason, never the key); never rejects.
   */
  give(keyId: string, cost: number): Promise<boolean>;
  /** Refunds Unkey confirmed. */
  readonly given: () => number;
  /** Refunds that failed (logged). */
  readonly failed: () => number;
}

/**
 * A verifier's refunds. The caller of `keys.updateCredits` is built on the first refund:
 * a verifier whose guards never refund opens nothing for it.
 */
export function createRefunds(options: ResolvedVerifierOptions): Refunds {
  let call: UnkeyCall<IncrementCreditsBody, CreditsAnswer> | undefined;
  let given = 0;
  let failed = 0;
  return {
    give(keyId, cost) {
      let sent: Promise<CreditsAnswer>;
      try {
        call ??= createIncrementCredits(options);
        sent = call({ keyId, operation: "increment", value: cost });
      } catch (error) {
        sent = Promise.reject(error);
      }
      return sent.then(
        () => {
          given++;
          return true;
        },
        (error: unknown) => {
          failed++;
          // The transport's messages never quote the root key or the request's headers.
          const reason = error instanceof Error ? error.message : String(error);
          options.logger.error(
            `keyguard: could not refund ${cost} credit${cost === 1 ? "" : "s"} to key ${keyId}: ${reason}`,
          );
          return false;
        },
      );
    },
    given: () => given,
    failed: () => failed,
  };
}
