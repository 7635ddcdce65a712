import type { RatelimitRouteOptions } from "@keyguard/core";
import {
  type RatelimitGuard as CoreRatelimitGuard,
  locateConfigErrors,
} from "@keyguard/core/adapter";
import type { ModulesContainer } from "@nestjs/core";
import { MetadataScanner } from "@nestjs/core";
import { RATELIMIT_METADATA } from "./constants";
import { controllersOf, type Handler, PATH_METADATA } from "./route-guarding";
import { mergedOptions } from "./route-metadata";
import type { UnkeyHttpRequest } from "./unkey.guard";

/** Where a route's `@Ratelimit()` errors point (their `at`): `@Ratelimit() on Controller.method`. */
export const ratelimitAt = (controller: { name: string }, method: string): string =>
  `@Ratelimit() on ${controller.name}.${method}`;

/**
 * Compiles every routed handler's `@Ratelimit()` (method over controller) with
 * the module's limiter, so that an option the limiter cannot take (a per-route
 * limit on a `limits` group, a cost above the limit…) stops `app.init()` with a
 * `KeyguardConfigError` naming the route, not the route's first request.
 */
export function compileRatelimitRoutes(
  modules: ModulesContainer,
  guard: CoreRatelimitGuard<UnkeyHttpRequest>,
): void {
  const scanner = new MetadataScanner();
  for (const controller of controllersOf(modules)) {
    const prototype = controller.prototype as Record<string, Handler>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as Handler;
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const options = mergedOptions<RatelimitRouteOptions<UnkeyHttpRequest>>(
        RATELIMIT_METADATA,
        handler as never,
        controller as never,
      );
      if (options === undefined) continue;
      locateConfigErrors(ratelimitAt(controller, name), () => guard.route(options));
    }
  }
}
