export type { KeyContext } from "@keyguard/core";
export { type UnkeyMiddleware, unkey } from "./middleware";
export type { ExpressDeniedContext, ExpressErrorHook, UnkeyExpressOptions } from "./options";
export { type RequirePermissionsOptions, requirePermissions } from "./require-permissions";
