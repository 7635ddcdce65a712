// The adapter kit of @keyguard/core (`@keyguard/core/adapter`): what a framework
// adapter needs to turn the framework's request into a decision and back.

export { authorize } from "./authorize";
export type { Allow, Decision } from "./decision";
export {
  type DenialCode,
  type Deny,
  deny,
  FAIL_OPEN_HEADER,
  type ProblemDetails,
} from "./denials";
export { locateConfigErrors } from "./errors";
export { extractKey, type KeyExtraction, type KeyRequest, type KeySource } from "./extract-key";
export {
  createGuard,
  type Guard,
  type GuardNamingOptions,
  type GuardOptions,
  type GuardRequest,
  mayBePreflight,
  type RouteOptions,
} from "./guard";
export { guardMissing } from "./guard-missing";
export { guardName, routeSummary } from "./guard-name";
export { type HookKinds, hookBoolean, splitHooks, whenSettled } from "./hooks";
export { type IdentifyReaders, identifyHelpers } from "./identify";
export { issuerOf } from "./issuer";
export { isPromise } from "./maybe-promise";
export {
  DENIAL_RESPONSES,
  declareGuardedOperation,
  PROBLEM_SCHEMA,
  PROBLEM_SCHEMA_NAME,
  type RouteSecurity,
  routeSecurityOf,
  type SecurityScheme,
  schemesOf,
  withKeyguardComponents,
} from "./openapi";
export {
  GUARD_ONLY_OPTION_NAMES,
  GUARD_OPTION_NAMES,
  pickOptions,
  ROUTE_OPTION_NAMES,
  rejectUnknownOptions,
} from "./option-names";
export { resolveVerifierOptions } from "./options";
export {
  fromRatelimit,
  fromRatelimitFailure,
  type RatelimitDecision,
  type RatelimitPolicy,
} from "./ratelimit-decision";
export { fromRatelimitGroup } from "./ratelimit-group-guard";
export {
  checkRatelimitRoute,
  createRatelimitGuard,
  type PreparedRatelimitRoute,
  type RatelimitGuard,
} from "./ratelimit-guard";
export { checkIdentifier } from "./ratelimiter";
export type { GuardNaming, SecondGuardRequest } from "./second-guard";
export type { HeadersLike } from "./types";
export { withoutQuery } from "./url-path";
export { loggerOf } from "./verifier";
export { type PreparedRequest, prepareRequest } from "./verify-request";
