import type { PermissionQuery } from "@keyguard/core";
import { prepareRequest } from "@keyguard/core/adapter";
import { PERMISSIONS_METADATA, PUBLIC_METADATA } from "./constants";
import { describeTarget, refuseBeside, setMetadataOn, validateAt } from "./decorator-target";

/**
 * Requires the key to satisfy a permission query (Unkey's grammar: `AND`, `OR`,
 * parentheses; or built with `and()` / `or()`), evaluated locally against the
 * key's cached permissions. On a method it overrides the controller's, and
 * keeps the route guarded under a controller's `@Public()`. The
 * query is checked when the decorator is applied, so a syntax error fails at
 * start-up, naming the controller and method.
 *
 * @example
 * ```ts
 * @Controller("docs")
 * @RequirePermissions("docs.read")
 * class DocsController {
 *   @Get() list() {}                                     // docs.read
 *   @Post() @RequirePermissions("docs.write OR admin") create() {} // overrides
 * }
 * ```
 */
export function RequirePermissions(
  query: string | PermissionQuery,
): MethodDecorator & ClassDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const at = `@RequirePermissions() on ${describeTarget(target, key)}`;
    refuseBeside(at, { [PUBLIC_METADATA]: "@Public()" }, target, key, descriptor);
    validateAt(at, () => prepareRequest({ permissions: query }));
    return setMetadataOn(PERMISSIONS_METADATA, query, target, key, descriptor);
  }) as MethodDecorator & ClassDecorator;
}
