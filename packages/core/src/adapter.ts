// The adapter kit of @keyguard/core (`@keyguard/core/adapter`): what a framework
// adapter needs to turn the framework's request into a decision and back.

export type { FailureBudgetOptions } from "./budget/failure-budget-options";
export { authorize } from "./decision/authorize";
export type { Allow, Decision } from "./decision/decision";
export {
  type DenialCode,
  type Deny,
  deny,
  FAIL_OPEN_HEADER,
  type ProblemDetails,
} from "./decision/denials";
export { issuerOf } from "./decision/issuer";
export { locateConfigErrors } from "./errors";
export {
  extractKey,
  type KeyExtraction,
  type KeyRequest,
  type KeySource,
} from "./extract/extract-key";
export {
  createGuard,
  type Guard,
  type GuardNamingOptions,
  type GuardParts,
} from "./guard/guard";
export { guardMissing } from "./guard/guard-missing";
export { guardName, routeSummary } from "./guard/guard-name";
export {
  GUARD_ONLY_OPTION_NAMES,
  GUARD_OPTION_NAMES,
  type GuardOptions,
} from "./guard/guard-options";
export { chargedBy, type Refund } from "./guard/refund-for";
export { type GuardRequest, mayBePreflight } from "./guard/request-decision";
export type { GuardNaming, SecondGuardRequest } from "./guard/second-guard";
export { withoutQuery } from "./guard/url-path";
export { type HookKinds, hookBoolean, splitHooks, whenSettled } from "./kit/hooks";
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
} from "./kit/openapi";
export { type FinishingResponse, refundWhenFinished } from "./kit/refund-on-finish";
export { isPromise } from "./maybe-promise";
export { pickOptions, rejectUnknownOptions } from "./options/option-names";
export { compileReportOnly } from "./options/report-only-option";
export { ROUTE_OPTION_NAMES, type RouteOptions } from "./options/route-options";
export { resolveVerifierOptions } from "./options/verifier-options";
export { type PreparedRequest, prepareRequest } from "./options/verify-request";
export { addressGroup } from "./ratelimit/client-address";
export { type IdentifyReaders, identifyHelpers } from "./ratelimit/identify";
export {
  fromRatelimit,
  fromRatelimitFailure,
  type RatelimitDecision,
  type RatelimitPolicy,
} from "./ratelimit/ratelimit-decision";
export { fromRatelimitGroup } from "./ratelimit/ratelimit-group-guard";
export {
  checkRatelimitRoute,
  createRatelimitGuard,
  type PreparedRatelimitRoute,
  type RatelimitGuard,
} from "./ratelimit/ratelimit-guard";
export { checkIdentifier } from "./ratelimit/ratelimiter";
export { auditRows } from "./route-audit/audit-rows";
export { createRouteAudit, type RouteAudit } from "./route-audit/create-route-audit";
export { type FoundRoute, type RouteRequirements, requirementsOf } from "./route-audit/found-route";
export { allOf, routeFromChain } from "./route-audit/guard-chain";
export { type GuardMark, guardMarkOf, markGuard, verifiesKey } from "./route-audit/guard-mark";
export { assertClosed } from "./route-audit/open-routes";
export type { HeadersLike } from "./types";
export { loggerOf } from "./verify/verifier";
