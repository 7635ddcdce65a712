import { keyguard } from "./plugin";

// The user API of @keyguard/core, so that this package alone type-checks the README's examples.
export * from "@keyguard/core";
export { keyOf } from "./key-of";
export { keyguardOpenApi } from "./openapi";
export type { FastifyRouteUnkeyOptions, KeyguardFastifyOptions } from "./options";
export { UnkeyDeniedError } from "./respond";
export { assertNoOpenRoutes, auditRoutes } from "./route-audit";
export { keyguard };
export default keyguard;
export {
  type FastifyRouteRatelimitOptions,
  identify,
  type KeyguardRatelimitOptions,
  keyguardRatelimit,
} from "./ratelimit";
