// The user API of @keyguard/core. Adapter authors: see ./adapter.ts (`@keyguard/core/adapter`).

export type { AnswerOptions } from "./answer-style";
export type { IpOptions } from "./client-address";
export type { BaseUrlOrigin, RootKeyOrigin } from "./connection-options";
export type { DenialCode, Deny, ProblemDetails } from "./denials";
export {
  KeyguardConfigError,
  KeyguardError,
  type KeyguardErrorCode,
  KeyguardSetupError,
  PermissionQuerySyntaxError,
  RatelimitIdentifierError,
  VerifierError,
} from "./errors";
export type { CookieKeySource, KeySource } from "./extract-key";
export type { GuardOptions, RouteOptions } from "./guard";
export type { Identify, IdentifyHelpers } from "./identify";
export type { CacheOptions, VerifierOptions } from "./options";
export { and, or } from "./permission-builders";
export {
  evaluatePermissionQuery,
  type PermissionQuery,
  parsePermissionQuery,
} from "./permission-query";
export {
  createRatelimitGroup,
  type GroupCheck,
  type GroupLimit,
  type RatelimitGroup,
  type RatelimitGroupOptions,
} from "./ratelimit-group";
export type {
  GroupMiddlewareLimit,
  RatelimitGroupMiddlewareOptions,
} from "./ratelimit-group-guard";
export type { RatelimitGroupResponse } from "./ratelimit-group-response";
export type {
  RatelimitLimitMiddlewareOptions,
  RatelimitMiddlewareOptions,
  RatelimitRouteOptions,
} from "./ratelimit-guard";
export type { RatelimitHeaderSet, RatelimitHeadersOption } from "./ratelimit-header-options";
export type { RatelimitCacheOptions, RatelimiterOptions } from "./ratelimit-options";
export type { RatelimitResponse, RatelimitSource } from "./ratelimit-response";
export {
  createRatelimiter,
  type LimitOptions,
  type Ratelimiter,
  type RatelimiterStats,
} from "./ratelimiter";
export type {
  Invalidation,
  SharedCache,
  SharedCacheListener,
  SharedEntry,
  SharedRead,
} from "./shared-cache";
export type { CheckOptions, CheckReport } from "./startup-check";
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
export { createVerifier, type Verifier } from "./verifier";
