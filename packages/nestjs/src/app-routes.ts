import { KeyguardSetupError } from "@keyguard/core";
import { type Guard, locateConfigErrors, type PreparedRequest } from "@keyguard/core/adapter";
import type { INestApplication } from "@nestjs/common";
import { ApplicationConfig, ModulesContainer, Reflector } from "@nestjs/core";
import { UNKEY_CORE_GUARD } from "./constants";
import { type RouteGuarding, routeGuarding } from "./route-guarding";

/** One route handler of the app, and what `UnkeyGuard` asks of the key there, if it guards it. */
export interface AppRoute extends RouteGuarding {
  /** The route's options compiled by the app's core guard; `undefined` where no key is verified. */
  readonly compiled: PreparedRequest | undefined;
}

/** The app's core guard, or a `KeyguardSetupError` naming the call (`at`) when UnkeyModule is missing. */
function coreGuardOf(app: INestApplication, at: string): Guard {
  try {
    return app.get<Guard>(UNKEY_CORE_GUARD, { strict: false });
  } catch (cause) {
    throw new KeyguardSetupError(
      at,
      "UnkeyModule is not imported in this app: import UnkeyModule.forRoot() first.",
      { cause },
    );
  }
}

/**
 * Every route handler of the app, with what `UnkeyGuard` enforces there, read from the
 * same metadata the guard compiles (the core guard's `route()`): compiled where the guard
 * runs and the route is not `@Public()`. What `createUnkeyDocument()` documents and
 * `auditRoutes()` lists.
 */
export function appRoutes(app: INestApplication, at: string): { guard: Guard; routes: AppRoute[] } {
  const guard = coreGuardOf(app, at);
  const routes = routeGuarding({
    modules: app.get(ModulesContainer, { strict: false }),
    config: app.get(ApplicationConfig, { strict: false }),
    reflector: app.get(Reflector, { strict: false }),
  });
  return {
    guard,
    routes: routes.map((route) => ({
      ...route,
      compiled:
        route.guardCount > 0 && !route.metadata.isPublic
          ? locateConfigErrors(`${route.controller.name}.${route.name}`, () =>
              guard.route(route.metadata.options),
            )
          : undefined,
    })),
  };
}
