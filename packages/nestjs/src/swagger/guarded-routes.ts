import { KeyguardSetupError } from "@keyguard/core";
import {
  type Guard,
  locateConfigErrors,
  type RouteSecurity,
  routeSecurityOf,
  schemesOf,
} from "@keyguard/core/adapter";
import type { INestApplication } from "@nestjs/common";
import { ApplicationConfig, ModulesContainer, Reflector } from "@nestjs/core";
import { UNKEY_CORE_GUARD } from "../constants";
import { type Controller, type Handler, routeGuarding } from "../route-guarding";

/** One route handler of one controller, and what UnkeyGuard enforces there (`undefined`: nothing). */
export interface GuardedRoute {
  readonly controller: Controller;
  readonly handler: Handler;
  readonly security: RouteSecurity | undefined;
}

function coreGuardOf(app: INestApplication): Guard {
  try {
    return app.get<Guard>(UNKEY_CORE_GUARD, { strict: false });
  } catch (cause) {
    throw new KeyguardSetupError(
      "createUnkeyDocument(app)",
      "UnkeyModule is not imported in this app: import UnkeyModule.forRoot() first.",
      { cause },
    );
  }
}

/**
 * Every route handler of the app with what `UnkeyGuard` enforces there, read
 * from the same metadata the guard compiles (the core guard's `route()`):
 * guarded where the guard runs and the route is not `@Public()`.
 */
export function guardedRoutes(app: INestApplication): GuardedRoute[] {
  const guard = coreGuardOf(app);
  const schemes = schemesOf(guard.sources);
  const routes = routeGuarding({
    modules: app.get(ModulesContainer, { strict: false }),
    config: app.get(ApplicationConfig, { strict: false }),
    reflector: app.get(Reflector, { strict: false }),
  });
  return routes.map(({ controller, handler, name, guardCount, metadata }) => ({
    controller,
    handler,
    security:
      guardCount > 0 && !metadata.isPublic
        ? routeSecurityOf(
            schemes,
            locateConfigErrors(`${controller.name}.${name}`, () => guard.route(metadata.options)),
          )
        : undefined,
  }));
}
