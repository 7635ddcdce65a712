import type { RatelimitRouteOptions } from "@keyguard/core";
import { checkRatelimitRoute, locateConfigErrors } from "@keyguard/core/adapter";
import { RATELIMIT_METADATA } from "./constants";
import { describeTarget, setMetadataOn } from "./decorator-target";
import type { UnkeyHttpRequest } from "./unkey.guard";

/** What `@Ratelimit()` sets: the module's rate limit, changed for this route. */
export type RatelimitRouteMetadata = RatelimitRouteOptions<UnkeyHttpRequest>;

/**
 * Rate-limits a route (or every route of a controller) with the limiter
 * `RatelimitModule.forRoot()` configured, through `RatelimitGuard`: another
 * `identifier`, `cost`, `limit` or `duration` may be given here, field by
 * field the method's over the controller's. Checked when applied, so a bad
 * value fails at start-up.
 *
 * @example
 * ```ts
 * @Ratelimit({ limit: 5, identifier: identify.ip() })
 * @Post("login")
 * login() {}
 * ```
 */
export function Ratelimit(options: RatelimitRouteMetadata = {}): MethodDecorator & ClassDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const at = `@Ratelimit() on ${describeTarget(target, key)}`;
    // Errors name the decorator and its target apart from the option: `@Ratelimit() on Auth.login: invalid option \`limit\``.
    locateConfigErrors(at, () => checkRatelimitRoute(options));
    return setMetadataOn(RATELIMIT_METADATA, options, target, key, descriptor);
  }) as MethodDecorator & ClassDecorator;
}
