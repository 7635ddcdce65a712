import type { ResolvedVerifierOptions } from "../options/verifier-options";
import { createUnkeyCall, type UnkeyCall } from "./unkey-call";
import { isObject } from "./unkey-response";

/** The body of `POST /v2/keys.updateCredits` as a refund sends it. */
export interface IncrementCreditsBody {
  readonly keyId: string;
  readonly operation: "increment";
  readonly value: number;
}

/** What Unkey answers: the key's remaining credits after the change. */
export interface CreditsAnswer {
  readonly remaining: number;
  readonly requestId: string | undefined;
}

// KeyCreditsData (svc/api/openapi): `remaining` is null for unlimited credits, which an
// increment never answers (v2_keys_update_credits/handler.go refuses it with a 400 first).
function parseCredits(data: unknown, requestId: string | undefined): CreditsAnswer | undefined {
  if (!isObject(data) || typeof data.remaining !== "number") return undefined;
  return { remaining: data.remaining, requestId };
}

/** `path` on the verifier's origin, credentials kept (what `baseUrl` carried). */
const sibling = (url: string, path: string) => new URL(path, url).href;

/**
 * The caller of `keys.updateCredits` on the verifier's connection (root key, origin, timeout,
 * fetch), with the shared caller's retry rule: at most one retry, and only after a refused
 * connection, which provably never reached Unkey; a retry after a timeout could give the
 * credits back twice. Needs a root key with `api.*.update_key` (or `api.<apiId>.update_key`;
 * v2_keys_update_credits/handler.go:88-103).
 */
export function createIncrementCredits(
  options: ResolvedVerifierOptions,
): UnkeyCall<IncrementCreditsBody, CreditsAnswer> {
  const path = "/v2/keys.updateCredits";
  return createUnkeyCall<IncrementCreditsBody, CreditsAnswer>(
    {
      url: sibling(options.requestUrl, path),
      displayUrl: sibling(options.verifyUrl, path),
      rootKey: options.rootKey,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    },
    {
      operation: "keys.updateCredits",
      parse: parseCredits,
      answer: "the key's credits",
      noun: "refund",
      right: "update keys (api.*.update_key)",
      requestHint: "A key with unlimited credits cannot be given credits back.",
      traceFields: (answer) => ({ requestId: answer.requestId }),
    },
  );
}
