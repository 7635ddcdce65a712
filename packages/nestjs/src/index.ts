// The user API of @keyguard/core, so that this package alone type-checks the README's examples.
export * from "@keyguard/core";
export { ApiKey } from "./api-key.decorator";
export { RATELIMIT_CORE_GUARD, UNKEY_CORE_GUARD, UNKEY_OPTIONS, UNKEY_VERIFIER } from "./constants";
export type { HttpResponseLike } from "./http-response";
export type { UnkeyModuleAsyncOptions, UnkeyModuleExtras, UnkeyModuleOptions } from "./options";
export { Public } from "./public.decorator";
export { Ratelimit, type RatelimitRouteMetadata } from "./ratelimit.decorator";
export { identify, RatelimitGuard } from "./ratelimit.guard";
export {
  RatelimitModule,
  type RatelimitModuleAsyncOptions,
  type RatelimitModuleOptions,
} from "./ratelimit.module";
export { RequirePermissions } from "./require-permissions.decorator";
export { assertNoOpenRoutes, auditRoutes } from "./route-audit";
export { UnkeyGuard, type UnkeyHttpRequest } from "./unkey.guard";
export { UnkeyModule } from "./unkey.module";
export { UnkeyDeniedException } from "./unkey-denied.exception";
export { UnkeyExceptionFilter } from "./unkey-exception.filter";
export { UnkeyRoute, type UnkeyRouteOptions } from "./unkey-route.decorator";
