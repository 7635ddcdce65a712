// The user API of @keyguard/core, so that this package alone type-checks the README's examples.
export * from "@keyguard/core";
export type { ClientAddress, GetConnInfo } from "./client-address";
export { keyOf } from "./key-of";
export { type UnkeyMiddleware, unkey } from "./middleware";
export type { UnkeyHonoOptions } from "./options";
export {
  identify,
  type RatelimitGroupHonoOptions,
  type RatelimitGroupMiddleware,
  type RatelimitHonoOptions,
  type RatelimitMiddleware,
  ratelimit,
} from "./ratelimit";
export { type RequirePermissionsOptions, requirePermissions } from "./require-permissions";
export { assertNoOpenRoutes, auditRoutes } from "./route-audit";
