import type { ResolvedVerifierOptions } from "../options/verifier-options";
import type { RatelimitRequest, VerifyResult } from "../types";
import { createUnkeyCall } from "./unkey-call";
import { parseMissingRatelimit, parseUnmigratable, parseVerifyData } from "./unkey-response";

export { MAX_ANSWER_BYTES } from "./unkey-call";

/** The body of `POST /v2/keys.verifyKey`; undefined fields are left out by JSON. */
export interface VerifyKeyBody {
  key: string;
  permissions?: string;
  tags?: readonly string[];
  credits?: { cost: number };
  ratelimits?: readonly RatelimitRequest[];
  migrationId?: string;
}

/** A transport that counts its calls; created once per verifier. */
export interface Transport {
  /** `timeoutMs` shortens the verifier's deadline for this call (part of the budget spent waiting). */
  verifyKey(body: VerifyKeyBody, timeoutMs?: number): Promise<VerifyResult>;
  readonly calls: () => number;
}

/**
 * Sends `keys.verifyKey` through the shared Unkey caller (explicit timeout,
 * keep-alive, at most one retry and only after a refused connection).
 * Resolves with a verification, or rejects with a `VerifierError`: every
 * unexpected answer is a failure, never a valid key.
 */
export function createTransport(options: ResolvedVerifierOptions): Transport {
  const verifyKey = createUnkeyCall<VerifyKeyBody, VerifyResult>(
    {
      url: options.requestUrl,
      displayUrl: options.verifyUrl,
      rootKey: options.rootKey,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    },
    {
      operation: "keys.verifyKey",
      parse: parseVerifyData,
      answer: "a verification",
      noun: "verification",
      right: "verify keys",
      requestHint: "Check the route's tags, cost and ratelimits options.",
      traceFields: (result) => ({ code: result.code, requestId: result.requestId }),
      refusal: (status, answer, requestId, sent) =>
        parseMissingRatelimit(status, answer, requestId) ??
        ((sent as VerifyKeyBody).migrationId === undefined
          ? undefined
          : parseUnmigratable(status, answer, requestId)),
    },
  );
  return { verifyKey, calls: verifyKey.calls };
}
