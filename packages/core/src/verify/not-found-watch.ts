import type { Logger, VerifyResult } from "../types";

/** How many `NOT_FOUND` answers in a row, with no valid key ever, make the warning. */
export const NOT_FOUND_STREAK = 100;

/**
 * Watches upstream answers for the sign of a root key that may not verify the
 * keys it is given: Unkey answers such a root key `200 NOT_FOUND` for every
 * key (no error, see `svc/api/routes/v2_keys_verify_key/handler.go`), so every
 * request is a 401 and nothing else says why. Warns once, with no key material.
 */
export function watchNotFound(logger: Logger, streak = NOT_FOUND_STREAK) {
  let inARow = 0;
  let sawValid = false;
  let warned = false;
  return (result: VerifyResult): void => {
    if (warned || sawValid) return;
    if (result.valid) {
      sawValid = true;
      return;
    }
    inARow = result.code === "NOT_FOUND" ? inARow + 1 : 0;
    if (inARow < streak) return;
    warned = true;
    logger.warn(
      `[keyguard] The last ${streak} verifications all answered NOT_FOUND and no key has been valid since start-up. ` +
        "If these keys exist, the root key most likely lacks the `api.<apiId>.verify_key` (or `api.*.verify_key`) " +
        "permission for their API: Unkey answers NOT_FOUND, not an error, to a root key that may not verify a key. " +
        "See Troubleshooting in the @keyguard/core README.",
    );
  };
}
