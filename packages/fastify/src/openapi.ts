import {
  declareGuardedOperation,
  type RouteSecurity,
  withKeyguardComponents,
} from "@keyguard/core/adapter";

/** The route-schema key the plugin fills and `keyguardOpenApi()` consumes. */
export const SECURITY_KEY = "x-keyguard-security";

type OpenApiObject = Record<string, unknown> & {
  paths?: Record<string, Record<string, Record<string, unknown>>>;
  components?: Record<string, Record<string, unknown>>;
};

/**
 * `@fastify/swagger`'s `transformObject` for keyguard: the one line a user adds,
 * since a plugin has no other way to put security schemes into the document.
 * Every route the plugin guards gets `security` (one alternative per key
 * source), the 401/403/429/503 problem+json responses and `x-permissions`;
 * public routes get none. Pass your own `transformObject` to run after it.
 *
 * @example
 * ```ts
 * await app.register(swagger, { openapi: { info: { title: "API", version: "1" } }, transformObject: keyguardOpenApi() });
 * ```
 */
export function keyguardOpenApi<D extends object>(
  next?: (input: { openapiObject: D }) => D,
): (input: { openapiObject?: D; swaggerObject?: unknown }) => D {
  return (input) => {
    // A Swagger 2 document (`swaggerObject`) has no place for these: returned as it is.
    if (input.openapiObject === undefined) return input.swaggerObject as D;
    const document = input.openapiObject as OpenApiObject;
    let schemes = {};
    for (const methods of Object.values(document.paths ?? {})) {
      for (const operation of Object.values(methods)) {
        const security = operation?.[SECURITY_KEY] as RouteSecurity | undefined;
        if (security === undefined) continue;
        schemes = { ...schemes, ...security.schemes };
        declareGuardedOperation(operation, security);
        delete operation[SECURITY_KEY];
      }
    }
    document.components = withKeyguardComponents(document.components, schemes) as never;
    return next ? next({ openapiObject: document as D }) : (document as D);
  };
}
