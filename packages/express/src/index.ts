// The user API of @keyguard/core, so that this package alone type-checks the README's examples.
export * from "@keyguard/core";
export { keyOf } from "./key-of";
export { type UnkeyMiddleware, unkey } from "./middleware";
export type { ExpressDeniedContext, ExpressErrorHook, UnkeyExpressOptions } from "./options";
export {
  identify,
  type RatelimitExpressOptions,
  type RatelimitGroupExpressOptions,
  type RatelimitGroupMiddleware,
  type RatelimitMiddleware,
  ratelimit,
} from "./ratelimit";
export { type RequirePermissionsOptions, requirePermissions } from "./require-permissions";
export { assertNoOpenRoutes, auditRoutes } from "./route-audit";
