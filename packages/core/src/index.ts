import { type Guard, type GuardOptions, buildGuard } from "./guard";
// The Node build swaps this import for ./hash/node (see tsup.config.ts): same output, node:crypto speed.
import { hashKey } from "./hash/web";
import type { VerifierOptions } from "./options";
import { buildVerifier, type Verifier } from "./verifier";

export {
  type Allow,
  type Decision,
  type DecideInput,
  type DenialCode,
  type Deny,
  type ProblemDetails,
  DENIALS,
  FAIL_OPEN_HEADER,
  contextOf,
  decide,
  deny,
} from "./decision";
export { KeyguardConfigError, KeyguardError, type KeyguardErrorCode, PermissionQuerySyntaxError, VerifierError } from "./errors";
export { DEFAULT_KEY_SOURCES, type KeyExtraction, type KeyRequest, type KeySource, extractKey } from "./extract-key";
export { type Guard, type GuardOptions, type GuardRequest, type PreparedRoute, type RouteOptions, authorize } from "./guard";
export { isPlausibleKey, MAX_KEY_LENGTH } from "./key-format";
export { type CacheOptions, type ResolvedVerifierOptions, type VerifierOptions, VERIFIER_DEFAULTS } from "./options";
export { and, or } from "./permission-builders";
export {
  type PermissionQuery,
  MAX_PERMISSION_QUERY_LENGTH,
  evaluatePermissionQuery,
  parsePermissionQuery,
  printPermissionQuery,
} from "./permission-query";
export type {
  FailureMode,
  HeadersLike,
  Identity,
  KeyContext,
  Logger,
  RatelimitRequest,
  RatelimitState,
  ResultSource,
  UnkeyVerifyCode,
  VerifierStats,
  VerifyCode,
  VerifyRequest,
  VerifyResult,
} from "./types";
export type { Verifier } from "./verifier";
export { type PreparedRequest, prepareRequest as prepareRoute } from "./verify-request";

/**
 * Creates a verifier: Unkey's `keys.verifyKey` behind a bounded short-TTL cache
 * with request coalescing. Create one per app and share it; a verifier created
 * per request has an empty cache every time. Options are validated here.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ rootKey: process.env.UNKEY_ROOT_KEY, cache: { ttlMs: 5_000 } });
 * const result = await verifier.verify(key, { permissions: "docs.read" });
 * if (result.valid) console.log(result.keyId, result.source); // "upstream", then "cache"
 * ```
 */
export function createVerifier(options?: VerifierOptions): Verifier {
  return buildVerifier(options, hashKey);
}

/**
 * Creates the guard that every adapter wraps: key extraction, verification and
 * the decision, with route options compiled at start-up. Useful on its own to
 * guard a framework keyguard has no adapter for.
 *
 * @example
 * ```ts
 * const guard = createGuard({ rootKey, permissions: "docs.read" });
 * const decision = await guard.check({ method: request.method, headers: request.headers });
 * if (!decision.allowed) return Response.json(decision.body, decision);
 * ```
 */
export function createGuard(options?: GuardOptions): Guard {
  return buildGuard(options, createVerifier);
}
