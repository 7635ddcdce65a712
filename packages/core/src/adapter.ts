// The adapter kit of @keyguard/core (`@keyguard/core/adapter`): what a framework
// adapter needs to turn the framework's request into a decision and back.
export type { Allow, Decision } from "./decision";
export { type DenialCode, type Deny, FAIL_OPEN_HEADER, type ProblemDetails } from "./denials";
export { locateConfigErrors } from "./errors";
export { extractKey, type KeyExtraction, type KeyRequest, type KeySource } from "./extract-key";
export {
  authorize,
  createGuard,
  type Guard,
  type GuardOptions,
  type GuardRequest,
  mayBePreflight,
  type RouteOptions,
} from "./guard";
export { type HookKinds, hookBoolean, splitHooks, whenSettled } from "./hooks";
export { type IdentifyReaders, identifyHelpers } from "./identify";
export { isPromise } from "./maybe-promise";
export {
  DENIAL_RESPONSES,
  declareGuardedOperation,
  PROBLEM_SCHEMA,
  PROBLEM_SCHEMA_NAME,
  type RouteSecurity,
  type SecurityScheme,
  schemesOf,
  withKeyguardComponents,
} from "./openapi";
export {
  GUARD_OPTION_NAMES,
  pickOptions,
  ROUTE_OPTION_NAMES,
  rejectUnknownOptions,
} from "./option-names";
export { resolveVerifierOptions } from "./options";
export { fromRatelimit, fromRatelimitFailure, type RatelimitDecision } from "./ratelimit-decision";
export { fromRatelimitGroup } from "./ratelimit-group-guard";
export {
  checkRatelimitRoute,
  createRatelimitGuard,
  type PreparedRatelimitRoute,
  type RatelimitGuard,
} from "./ratelimit-guard";
export { checkIdentifier } from "./ratelimiter";
export type { HeadersLike } from "./types";
export { unverifiedWarning } from "./unverified-warning";
export { withoutQuery } from "./url-path";
export { type PreparedRequest, prepareRequest } from "./verify-request";
