import type { CustomDecorator } from "@nestjs/common";
import { PERMISSIONS_METADATA, PUBLIC_METADATA, ROUTE_METADATA } from "./constants";
import { describeTarget, refuseBeside, setMetadataOn } from "./decorator-target";

const REQUIREMENTS = {
  [PERMISSIONS_METADATA]: "@RequirePermissions()",
  [ROUTE_METADATA]: "@UnkeyRoute()",
};

/**
 * Marks a route (or every route of a controller) as public: `UnkeyGuard` lets
 * it through without looking for a key, and `@ApiKey()` is `undefined` there.
 * The most specific level wins: on a controller it opens the methods that ask
 * for nothing themselves, but a method's own `@RequirePermissions()` or
 * `@UnkeyRoute()` keeps that route guarded. Beside either on the same class or
 * method it fails at start-up.
 *
 * @example
 * ```ts
 * @Public()
 * @Get("health")
 * health() { return "ok"; }
 * ```
 */
export function Public(): CustomDecorator<string> {
  const decorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    refuseBeside(
      `@Public() on ${describeTarget(target, key)}`,
      REQUIREMENTS,
      target,
      key,
      descriptor,
    );
    return setMetadataOn(PUBLIC_METADATA, true, target, key, descriptor);
  };
  return Object.assign(decorator, { KEY: PUBLIC_METADATA }) as CustomDecorator<string>;
}
