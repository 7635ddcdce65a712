import { KeyguardConfigError, prepareRoute, type RouteOptions } from "@keyguard/core";
import { ROUTE_METADATA } from "./constants";
import { describeTarget, setMetadataOn, validateAt } from "./decorator-target";

/** What `@UnkeyRoute()` sets; permissions have their own decorator, `@RequirePermissions()`. */
export type UnkeyRouteOptions = Omit<RouteOptions, "permissions">;

/**
 * Per-route verification options: `cost` (credits deducted per request),
 * `ratelimits` and analytics `tags`. On a method it overrides the controller's.
 * A route with a `cost` or `ratelimits` reaches Unkey on every request.
 * Checked when applied, so a bad value fails at start-up.
 *
 * @example
 * ```ts
 * @UnkeyRoute({ cost: 5, tags: ["export"] })
 * @Get("export")
 * export() {}
 * ```
 */
export function UnkeyRoute(options: UnkeyRouteOptions): MethodDecorator & ClassDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const at = `@UnkeyRoute() on ${describeTarget(target, key)}`;
    if ((options as RouteOptions | undefined)?.permissions !== undefined) {
      throw new KeyguardConfigError(`${at}: permissions`, "use @RequirePermissions() instead.");
    }
    validateAt(at, () => prepareRoute(options));
    return setMetadataOn(ROUTE_METADATA, options, target, key, descriptor);
  }) as MethodDecorator & ClassDecorator;
}
