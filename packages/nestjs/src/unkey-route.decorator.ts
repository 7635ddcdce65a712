import { KeyguardConfigError, type RouteOptions } from "@keyguard/core";
import { compileReportOnly, prepareRequest, ROUTE_OPTION_NAMES } from "@keyguard/core/adapter";
import { PUBLIC_METADATA, ROUTE_METADATA } from "./constants";
import {
  describeTarget,
  refuseBeside,
  rejectUnknownAt,
  setMetadataOn,
  validateAt,
} from "./decorator-target";

/** What `@UnkeyRoute()` sets; permissions have their own decorator, `@RequirePermissions()`. */
export type UnkeyRouteOptions = Omit<RouteOptions, "permissions">;

const UNKEY_ROUTE_OPTION_NAMES = ROUTE_OPTION_NAMES.filter((name) => name !== "permissions");

/**
 * Per-route verification options: `cost` (credits deducted per request),
 * `ratelimits`, analytics `tags` and `reportOnly` (a candidate permission query or cost,
 * reported on `keyguard:decision`, never enforced). On a method its fields override the
 * controller's one by one: a method's `{ tags }` keeps the controller's `cost`.
 * A route with a `cost` or `ratelimits` reaches Unkey on every request.
 * Checked when applied, so a bad value or an unknown option name fails at
 * start-up. On a method it guards the route even under a controller's `@Public()`.
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
      throw new KeyguardConfigError("permissions", "use @RequirePermissions() instead.", { at });
    }
    if (typeof options === "object" && options !== null)
      rejectUnknownAt(at, options, UNKEY_ROUTE_OPTION_NAMES);
    refuseBeside(at, { [PUBLIC_METADATA]: "@Public()" }, target, key, descriptor);
    validateAt(at, () => {
      prepareRequest(options);
      compileReportOnly(options?.reportOnly);
    });
    return setMetadataOn(ROUTE_METADATA, options, target, key, descriptor);
  }) as MethodDecorator & ClassDecorator;
}
