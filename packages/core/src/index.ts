import { buildGuard, type Guard, type GuardOptions } from "./guard";
// The Node build swaps this import for ./hash/node (see tsup.config.ts): same output, node:crypto speed.
import { hashKey } from "./hash/web";
import type { VerifierOptions } from "./options";
import { buildVerifier, type Verifier } from "./verifier";

export {
  type Allow,
  contextOf,
  DENIALS,
  type DecideInput,
  type Decision,
  type DenialCode,
  type Deny,
  decide,
  deny,
  FAIL_OPEN_HEADER,
  type ProblemDetails,
} from "./decision";
export {
  KeyguardConfigError,
  KeyguardError,
  type KeyguardErrorCode,
  PermissionQuerySyntaxError,
  VerifierError,
} from "./errors";
export {
  DEFAULT_KEY_SOURCES,
  extractKey,
  type KeyExtraction,
  type KeyRequest,
  type KeySource,
} from "./extract-key";
export {
  authorize,
  type Guard,
  type GuardOptions,
  type GuardRequest,
  type PreparedRoute,
  type RouteOptions,
} from "./guard";
export { hookBoolean, whenSettled } from "./hooks";
export { isPlausibleKey, MAX_KEY_LENGTH } from "./key-format";
export { isPromise } from "./maybe-promise";
export {
  GUARD_OPTION_NAMES,
  pickOptions,
  ROUTE_OPTION_NAMES,
  rejectUnknownOptions,
} from "./option-names";
export {
  type CacheOptions,
  type ResolvedVerifierOptions,
  VERIFIER_DEFAULTS,
  type VerifierOptions,
} from "./options";
export { and, or } from "./permission-builders";
export {
  evaluatePermissionQuery,
  MAX_PERMISSION_QUERY_LENGTH,
  type PermissionQuery,
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
