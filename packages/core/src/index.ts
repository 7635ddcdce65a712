// The user API of @keyguard/core. Adapter authors: see ./adapter.ts (`@keyguard/core/adapter`).

export type { FailureBudgetOptions } from "./budget/failure-budget-options";
export type { AnswerOptions } from "./decision/answer-style";
export type { DenialCode, Deny, ProblemDetails } from "./decision/denials";
export {
  KeyguardConfigError,
  KeyguardError,
  type KeyguardErrorCode,
  KeyguardSetupError,
  PermissionQuerySyntaxError,
  RatelimitIdentifierError,
  VerifierError,
} from "./errors";
export type { CookieKeySource, KeySource } from "./extract/extract-key";
export type { GuardOptions } from "./guard/guard-options";
export type { BaseUrlOrigin, RootKeyOrigin } from "./options/connection-options";
export type {
  RatelimitHeaderSet,
  RatelimitHeadersOption,
} from "./options/ratelimit-header-options";
export type { RefundOptions } from "./options/refund-option";
export type { ReportOnlyOptions } from "./options/report-only-option";
export type { RouteOptions } from "./options/route-options";
export type {
  Invalidation,
  SharedCache,
  SharedCacheListener,
  SharedCount,
  SharedEntry,
  SharedRead,
} from "./options/shared-cache-option";
export type { CacheOptions, VerifierOptions } from "./options/verifier-options";
export { and, or } from "./permissions/permission-builders";
export {
  evaluatePermissionQuery,
  type PermissionQuery,
  parsePermissionQuery,
} from "./permissions/permission-query";
export type { Identify, IdentifyHelpers } from "./ratelimit/identify";
export type { IpOptions } from "./ratelimit/ipv6-subnet";
export {
  createRatelimitGroup,
  type GroupCheck,
  type GroupLimit,
  type RatelimitGroup,
  type RatelimitGroupOptions,
} from "./ratelimit/ratelimit-group";
export type {
  GroupMiddlewareLimit,
  RatelimitGroupMiddlewareOptions,
} from "./ratelimit/ratelimit-group-guard";
export type { RatelimitGroupResponse } from "./ratelimit/ratelimit-group-response";
export type {
  RatelimitLimitMiddlewareOptions,
  RatelimitMiddlewareOptions,
  RatelimitRouteOptions,
} from "./ratelimit/ratelimit-guard";
export type { RatelimitCacheOptions, RatelimiterOptions } from "./ratelimit/ratelimit-options";
export type { RatelimitResponse, RatelimitSource } from "./ratelimit/ratelimit-response";
export {
  createRatelimiter,
  type LimitOptions,
  type Ratelimiter,
  type RatelimiterStats,
} from "./ratelimit/ratelimiter";
export { formatRouteAudit } from "./route-audit/format-route-audit";
export type {
  RouteAccess,
  RouteAuditOptions,
  RouteAuditRow,
  RouteKind,
} from "./route-audit/route-audit-row";
export type { ReportOnlyMessage } from "./telemetry/report-only-message";
export type { DecisionMessage, DecisionSource } from "./telemetry/telemetry";
export type {
  FailureMode,
  Identity,
  IdentityMeta,
  KeyContext,
  KeyMeta,
  Logger,
  RatelimitRequest,
  RatelimitState,
  Register,
  ResultSource,
  UnkeyVerifyCode,
  VerifierStats,
  VerifyCode,
  VerifyRequest,
  VerifyResult,
} from "./types";
export type { CheckOptions, CheckReport } from "./verify/startup-check";
export { createVerifier, type Verifier } from "./verify/verifier";
