import { KeyguardConfigError } from "@keyguard/core";
import { type Guard, type RouteSecurity, schemesOf } from "@keyguard/core/adapter";
import type { INestApplication } from "@nestjs/common";
import { ApplicationConfig, MetadataScanner, ModulesContainer, Reflector } from "@nestjs/core";
import { UNKEY_CORE_GUARD } from "../constants";
import { isUnkeyGuard } from "../guard-mark";
import { readRouteMetadata } from "../route-metadata";

// Nest's own metadata keys (`@nestjs/common/constants`), spelled here to avoid a deep import.
const GUARDS_METADATA = "__guards__";
const PATH_METADATA = "path";

// biome-ignore lint/complexity/noBannedTypes: a route handler, as Nest's metadata scanner holds it.
type Handler = Function;
type Controller = abstract new (...args: never[]) => unknown;

/** One route handler of one controller, and what UnkeyGuard enforces there (`undefined`: nothing). */
export interface GuardedRoute {
  readonly controller: Controller;
  readonly handler: Handler;
  readonly security: RouteSecurity | undefined;
}

const guardsOf = (target: object): unknown[] =>
  (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [];

/** Whether UnkeyGuard runs app-wide: an `APP_GUARD` provider (any scope) or `useGlobalGuards()`. */
function guardedAppWide(app: INestApplication): boolean {
  const config = app.get(ApplicationConfig, { strict: false });
  return (
    config.getGlobalGuards().some(isUnkeyGuard) ||
    config.getGlobalRequestGuards().some((wrapper) => isUnkeyGuard(wrapper.metatype))
  );
}

function coreGuardOf(app: INestApplication): Guard {
  try {
    return app.get<Guard>(UNKEY_CORE_GUARD, { strict: false });
  } catch (cause) {
    throw new KeyguardConfigError(
      "app",
      "UnkeyModule is not imported in this app: import UnkeyModule.forRoot() first.",
      { cause },
    );
  }
}

/** Every controller class the app routes, once each. */
function controllersOf(app: INestApplication): Set<Controller> {
  const controllers = new Set<Controller>();
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.controllers.values()) {
      if (typeof wrapper.metatype === "function") controllers.add(wrapper.metatype as Controller);
    }
  }
  return controllers;
}

/**
 * Every route handler of the app with what `UnkeyGuard` enforces there, read
 * from the same metadata the guard compiles (`readRouteMetadata`, the core
 * guard's `route()`): guarded where the guard runs (app-wide, or
 * `@UseGuards()` on the controller, a class it extends, or the method) and the
 * route is not `@Public()`.
 */
export function guardedRoutes(app: INestApplication): GuardedRoute[] {
  const guard = coreGuardOf(app);
  const reflector = app.get(Reflector, { strict: false });
  const schemes = schemesOf(guard.sources);
  const appWide = guardedAppWide(app);
  const scanner = new MetadataScanner();
  const routes: GuardedRoute[] = [];
  for (const controller of controllersOf(app)) {
    const prototype = controller.prototype as Record<string, Handler>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as Handler;
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const runs = appWide || [...guardsOf(controller), ...guardsOf(handler)].some(isUnkeyGuard);
      const { isPublic, options } = readRouteMetadata(
        reflector,
        handler as never,
        controller as never,
      );
      const security =
        runs && !isPublic
          ? {
              schemes,
              permissions: guard.route(options, `${controller.name}.${name}: `).querySource,
            }
          : undefined;
      routes.push({ controller, handler, security });
    }
  }
  return routes;
}
