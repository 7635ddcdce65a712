import { KeyguardSetupError } from "@keyguard/core";
import { readApiKey } from "./api-key.decorator";
import { type AppParts, type RouteGuarding, routeGuarding } from "./route-guarding";

// Nest's metadata key for a handler's parameter decorators (`@nestjs/common/constants`).
const ROUTE_ARGS_METADATA = "__routeArguments__";

/** Whether the handler takes an `@ApiKey()` parameter (metadata kept on the class declaring it). */
function takesApiKey({ controller, name }: RouteGuarding): boolean {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) as
    | Record<string, { factory?: unknown }>
    | undefined;
  return Object.values(args ?? {}).some((arg) => arg.factory === readApiKey);
}

/** Whether keyguard's decorators ask for a key on this route: a requirement, or `@ApiKey()`, not `@Public()`. */
function asksForKey(route: RouteGuarding): boolean {
  const { isPublic, options } = route.metadata;
  if (isPublic) return false;
  const required = Object.values(options).some((value) => value !== undefined);
  return required || takesApiKey(route);
}

/**
 * Refuses an app where a route asks for a key (`@RequirePermissions()`,
 * `@UnkeyRoute()`, `@ApiKey()`) but `UnkeyGuard` runs nowhere on it: without
 * the guard, Nest would serve it to anyone.
 */
export function assertRoutesGuarded(parts: AppParts): void {
  const routes = routeGuarding(parts);
  assertGuardedOnce(routes);
  const route = routes.find((r) => r.guardCount === 0 && asksForKey(r));
  if (route === undefined) return;
  throw new KeyguardSetupError(
    `${route.controller.name}.${route.name}`,
    "asks for an API key (@RequirePermissions(), @UnkeyRoute() or @ApiKey()) but UnkeyGuard does not run on it, so it would be open to anyone. " +
      "Register the guard app-wide with `providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }]` in a module " +
      "(or `app.useGlobalGuards(app.get(UnkeyGuard))` before `app.listen()`), or put `@UseGuards(UnkeyGuard)` on the controller; mark deliberately open routes `@Public()`.",
  );
}

/**
 * Refuses a route on which `UnkeyGuard` runs more than once (app-wide and in
 * `@UseGuards()`, or on both the controller and the method): each run verifies
 * the key again, so a key with credits, a route `cost` and its `ratelimits`
 * would be charged once per run.
 */
function assertGuardedOnce(routes: RouteGuarding[]): void {
  const route = routes.find((r) => r.guardCount > 1);
  if (route === undefined) return;
  throw new KeyguardSetupError(
    `${route.controller.name}.${route.name}`,
    `has UnkeyGuard (or a subclass) ${route.guardCount} times: app-wide (APP_GUARD, useGlobalGuards()) and in @UseGuards() on the controller or method. ` +
      "Each one verifies the key again and charges its credits, cost and rate limits again. Keep one: either app-wide, or @UseGuards(UnkeyGuard) per controller.",
  );
}
