import type { RouteOptions } from "@keyguard/core";
import type { ExecutionContext } from "@nestjs/common";
import type { Reflector } from "@nestjs/core";
import { PERMISSIONS_METADATA, PUBLIC_METADATA, ROUTE_METADATA } from "./constants";
import type { UnkeyRouteOptions } from "./unkey-route.decorator";

type Handler = ReturnType<ExecutionContext["getHandler"]>;
type Controller = ReturnType<ExecutionContext["getClass"]>;

/** What a handler's keyguard decorators ask for, method metadata over the controller's. */
export interface RouteMetadata {
  readonly isPublic: boolean;
  readonly options: UnkeyRouteOptions & Pick<RouteOptions, "permissions">;
}

/**
 * Whether a route is public. The most specific level that says anything wins,
 * as with `getAllAndOverride`: a method's own `@RequirePermissions()` or
 * `@UnkeyRoute()` guards it under a controller's `@Public()` (an explicit
 * requirement is never cancelled from afar), and a method's `@Public()` opens
 * it under a controller's requirements.
 */
function isPublic(reflector: Reflector, targets: readonly [Handler, Controller]): boolean {
  for (const target of targets) {
    if (reflector.get<boolean | undefined>(PUBLIC_METADATA, target) === true) return true;
    const guarded =
      reflector.get(PERMISSIONS_METADATA, target) !== undefined ||
      reflector.get(ROUTE_METADATA, target) !== undefined;
    if (guarded) return false;
  }
  return false;
}

/** Reads a handler's `@Public()`, `@RequirePermissions()` and `@UnkeyRoute()` metadata. */
export function readRouteMetadata(
  reflector: Reflector,
  handler: Handler,
  controller: Controller,
): RouteMetadata {
  const targets = [handler, controller] as const;
  const permissions = reflector.getAllAndOverride<RouteOptions["permissions"]>(
    PERMISSIONS_METADATA,
    [...targets],
  );
  const options = reflector.getAllAndOverride<UnkeyRouteOptions | undefined>(ROUTE_METADATA, [
    ...targets,
  ]);
  return { isPublic: isPublic(reflector, targets), options: { ...options, permissions } };
}
