import { VerifierError } from "../errors";
import type { ResolvedVerifierOptions } from "../options/verifier-options";
import type { PreparedRequest } from "../options/verify-request";
import type { Transport } from "../transport/transport";
import type { VerifyResult } from "../types";
import { watchNotFound } from "./not-found-watch";

/** One call to Unkey for a key; `deadline` (Unix ms) bounds it when part of the budget is spent. */
export type UpstreamCall = (
  key: string,
  request: PreparedRequest,
  deadline?: number,
) => Promise<VerifyResult>;

/**
 * A verifier's way to Unkey: the route's request as `keys.verifyKey`'s body, within the
 * time left of `timeoutMs`, every answer watched for the sign of a root key that may not
 * verify these keys, every failure through `fail`.
 */
export function createUpstreamCall(
  settings: Pick<ResolvedVerifierOptions, "timeoutMs" | "migrationId" | "logger">,
  transport: Transport,
  fail: (error: unknown) => never,
): UpstreamCall {
  const observe = watchNotFound(settings.logger);
  const outOfTime = () =>
    new VerifierError(
      "VERIFIER_UNAVAILABLE",
      `No answer within ${settings.timeoutMs} ms: the time went waiting for another instance's verification of this key (sharedCache).`,
    );
  return (key, request, deadline) => {
    const left = deadline === undefined ? settings.timeoutMs : deadline - Date.now();
    if (left < 1) return Promise.reject(outOfTime()).catch(fail);
    return transport
      .verifyKey(
        {
          key,
          permissions: request.querySource,
          tags: request.tags,
          credits: request.cost === undefined ? undefined : { cost: request.cost },
          ratelimits: request.ratelimits,
          migrationId: settings.migrationId,
        },
        left,
      )
      .then((result) => {
        observe(result);
        return result;
      }, fail);
  };
}
