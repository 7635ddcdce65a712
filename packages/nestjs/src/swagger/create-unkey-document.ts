import { KeyguardSetupError } from "@keyguard/core";
import {
  declareGuardedOperation,
  type RouteSecurity,
  withKeyguardComponents,
} from "@keyguard/core/adapter";
import type { INestApplication } from "@nestjs/common";
import { type OpenAPIObject, type SwaggerDocumentOptions, SwaggerModule } from "@nestjs/swagger";
import { type GuardedRoute, guardedRoutes } from "./guarded-routes";

// @nestjs/swagger's metadata key for `@ApiExtension()`, which it copies onto each operation.
const API_EXTENSION = "swagger/apiExtension";
const ROUTE_TAG = "x-keyguard-route";

/** One security per handler: a handler inherited by several controllers must be documented once. */
function securityByHandler(routes: readonly GuardedRoute[]) {
  const byHandler = new Map<GuardedRoute["handler"], GuardedRoute>();
  for (const route of routes) {
    const seen = byHandler.get(route.handler);
    if (seen !== undefined && (seen.security === undefined) !== (route.security === undefined)) {
      throw new KeyguardSetupError(
        `${route.controller.name}.${route.handler.name}`,
        `guarded in one controller (${seen.controller.name} or ${route.controller.name}) and public in the other, but @nestjs/swagger documents an inherited method once: override it in the subclass.`,
      );
    }
    byHandler.set(route.handler, route);
  }
  return [...byHandler.values()];
}

/** Runs `create` with each handler tagged (an `x-` extension) by its index, then untags them. */
function withTaggedHandlers(routes: readonly GuardedRoute[], create: () => OpenAPIObject) {
  const saved = routes.map(({ handler }) => Reflect.getMetadata(API_EXTENSION, handler) as unknown);
  routes.forEach(({ handler }, index) => {
    Reflect.defineMetadata(
      API_EXTENSION,
      { ...(saved[index] as object), [ROUTE_TAG]: index },
      handler,
    );
  });
  try {
    return create();
  } finally {
    routes.forEach(({ handler }, index) => {
      if (saved[index] === undefined) Reflect.deleteMetadata(API_EXTENSION, handler);
      else Reflect.defineMetadata(API_EXTENSION, saved[index], handler);
    });
  }
}

/**
 * `SwaggerModule.createDocument` with what `UnkeyGuard` enforces: a drop-in
 * for it, taking the same arguments. Every route the guard protects (app-wide
 * through `APP_GUARD`, or `@UseGuards(UnkeyGuard)`) gets `security` (one
 * alternative per configured key source), the 401/403/429/503 problem+json
 * responses it does not already declare, and `x-permissions` (its
 * `@RequirePermissions()` query); `@Public()` routes get none. The schemes go
 * into `components.securitySchemes`. Routes need no annotations: this reads
 * the metadata the guard compiles. Call it after `NestFactory.create()`.
 *
 * @example
 * ```ts
 * const config = new DocumentBuilder().setTitle("API").setVersion("1.0").build();
 * const document = createUnkeyDocument(app, config);
 * SwaggerModule.setup("docs", app, document);
 * ```
 */
export function createUnkeyDocument(
  app: INestApplication,
  config: Omit<OpenAPIObject, "paths">,
  options?: SwaggerDocumentOptions,
): OpenAPIObject {
  const routes = securityByHandler(guardedRoutes(app));
  const document = withTaggedHandlers(routes, () =>
    SwaggerModule.createDocument(app, config, options),
  );
  let schemes = {};
  for (const methods of Object.values(document.paths)) {
    for (const operation of Object.values(methods) as Record<string, unknown>[]) {
      if (typeof operation !== "object" || operation === null || !(ROUTE_TAG in operation))
        continue;
      const security: RouteSecurity | undefined = routes[operation[ROUTE_TAG] as number]?.security;
      delete operation[ROUTE_TAG];
      if (security === undefined) continue;
      schemes = { ...schemes, ...security.schemes };
      declareGuardedOperation(operation, security);
    }
  }
  document.components = withKeyguardComponents(document.components as never, schemes) as never;
  return document;
}
