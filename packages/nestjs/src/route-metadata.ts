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

// reflect-metadata's own-property lookup (Nest requires the polyfill): a class's
// metadata without what it inherits, to tell a subclass's word from its base's.
const ownMetadata = (key: string, target: object): unknown =>
  (Reflect as unknown as { getOwnMetadata(key: string, target: object): unknown }).getOwnMetadata(
    key,
    target,
  );

/** What one level (a handler, or one class of the controller's chain) says, if anything. */
function sayOf(target: object): "public" | "guarded" | undefined {
  if (ownMetadata(PUBLIC_METADATA, target) === true) return "public";
  const guarded =
    ownMetadata(PERMISSIONS_METADATA, target) !== undefined ||
    ownMetadata(ROUTE_METADATA, target) !== undefined;
  return guarded ? "guarded" : undefined;
}

/** The handler, then the controller and each class it extends, most specific first. */
function* levels(handler: Handler, controller: Controller): Generator<object> {
  yield handler;
  for (let c: unknown = controller; typeof c === "function" && c !== Function.prototype; ) {
    yield c;
    c = Object.getPrototypeOf(c);
  }
}

/**
 * Whether a route is public. The most specific level that says anything wins,
 * as with `getAllAndOverride`: a method's own `@RequirePermissions()` or
 * `@UnkeyRoute()` guards it under a controller's `@Public()` (an explicit
 * requirement is never cancelled from afar), a method's `@Public()` opens it
 * under a controller's requirements, and a controller's own requirement is not
 * cancelled by a `@Public()` on a class it extends.
 */
function isPublic(handler: Handler, controller: Controller): boolean {
  for (const level of levels(handler, controller)) {
    const say = sayOf(level);
    if (say !== undefined) return say === "public";
  }
  return false;
}

/**
 * A route's options under one metadata key (`@UnkeyRoute()`, `@Ratelimit()`),
 * field by field: each option comes from the most specific level that sets it,
 * as route options replace the app-wide ones in the core. A method's
 * `@UnkeyRoute({ tags })` keeps its controller's `cost`, and a method's
 * `@Ratelimit({ cost })` its controller's `limit`; a method's own value
 * replaces the controller's (`cost: 0` charges nothing). `undefined` when no
 * level sets the key.
 */
export function mergedOptions<T extends object>(
  key: string,
  handler: Handler,
  controller: Controller,
): T | undefined {
  let merged: Record<string, unknown> | undefined;
  for (const level of levels(handler, controller)) {
    const options = ownMetadata(key, level) as Record<string, unknown> | undefined;
    if (options === undefined) continue;
    merged ??= {};
    for (const name of Object.keys(options)) merged[name] ??= options[name];
  }
  return merged as T | undefined;
}

/** Reads a handler's `@Public()`, `@RequirePermissions()` and `@UnkeyRoute()` metadata. */
export function readRouteMetadata(
  reflector: Reflector,
  handler: Handler,
  controller: Controller,
): RouteMetadata {
  const permissions = reflector.getAllAndOverride<RouteOptions["permissions"]>(
    PERMISSIONS_METADATA,
    [handler, controller],
  );
  const options = mergedOptions<UnkeyRouteOptions>(ROUTE_METADATA, handler, controller);
  return { isPublic: isPublic(handler, controller), options: { ...options, permissions } };
}
