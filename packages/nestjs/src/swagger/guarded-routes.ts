import { type RouteSecurity, routeSecurityOf, schemesOf } from "@keyguard/core/adapter";
import type { INestApplication } from "@nestjs/common";
import { appRoutes } from "../app-routes";
import type { Controller, Handler } from "../route-guarding";

/** One route handler of one controller, and what UnkeyGuard enforces there (`undefined`: nothing). */
export interface GuardedRoute {
  readonly controller: Controller;
  readonly handler: Handler;
  readonly security: RouteSecurity | undefined;
}

/**
 * Every route handler of the app with what `UnkeyGuard` enforces there (`appRoutes`):
 * guarded where the guard runs and the route is not `@Public()`.
 */
export function guardedRoutes(app: INestApplication): GuardedRoute[] {
  const { guard, routes } = appRoutes(app, "createUnkeyDocument(app)");
  const schemes = schemesOf(guard.sources);
  return routes.map(({ controller, handler, compiled }) => ({
    controller,
    handler,
    security: compiled === undefined ? undefined : routeSecurityOf(schemes, compiled),
  }));
}
