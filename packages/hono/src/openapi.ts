// `@keyguard/hono/openapi`: the hono-openapi integration, apart so that apps without it never load it.
export {
  applyKeyguardOpenApi,
  type KeyguardSpecsOptions,
  openAPIRouteHandler,
} from "./openapi/route-handler";
