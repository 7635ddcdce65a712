import type { ApplicationConfig, ModulesContainer, Reflector } from "@nestjs/core";
import { MetadataScanner } from "@nestjs/core";
import { isUnkeyGuard } from "./guard-mark";
import { type RouteMetadata, readRouteMetadata } from "./route-metadata";

// Nest's own metadata keys (`@nestjs/common/constants`), spelled here to avoid a deep import.
const GUARDS_METADATA = "__guards__";
export const PATH_METADATA = "path";

// biome-ignore lint/complexity/noBannedTypes: a route handler, as Nest's metadata scanner holds it.
export type Handler = Function;
export type Controller = abstract new (...args: never[]) => unknown;

/** The parts of a Nest app that say where `UnkeyGuard` runs (from `app.get()` or injection). */
export interface AppParts {
  readonly modules: ModulesContainer;
  readonly config: ApplicationConfig;
  readonly reflector: Reflector;
}

/** One route handler of one controller, whether `UnkeyGuard` runs there, and its keyguard metadata. */
export interface RouteGuarding {
  readonly controller: Controller;
  readonly handler: Handler;
  /** The method's name on the controller. */
  readonly name: string;
  /**
   * How many times `UnkeyGuard` (or a subclass) runs on this route, `@Public()`
   * or not: app-wide and per controller or method add up (0: nowhere).
   */
  readonly guardCount: number;
  readonly metadata: RouteMetadata;
}

const guardsOf = (target: object): unknown[] =>
  (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [];

type RequestGuardWrapper = ReturnType<ApplicationConfig["getGlobalRequestGuards"]>[number];

/**
 * Whether a request-scoped `APP_GUARD` is an UnkeyGuard: its class, or for
 * `useExisting: SomeGuard` (which Nest turns into a factory injecting the class) the
 * class it aliases.
 */
function isUnkeyGuardWrapper(wrapper: RequestGuardWrapper): boolean {
  if (isUnkeyGuard(wrapper.metatype)) return true;
  const { isAlias, inject } = wrapper as { isAlias?: boolean; inject?: unknown[] | null };
  return isAlias === true && inject?.length === 1 && isUnkeyGuard(inject[0]);
}

/** How many UnkeyGuards run app-wide: `APP_GUARD` providers (any scope) and `useGlobalGuards()`. */
function appWideCount(config: ApplicationConfig): number {
  return (
    config.getGlobalGuards().filter(isUnkeyGuard).length +
    config.getGlobalRequestGuards().filter(isUnkeyGuardWrapper).length
  );
}

/** Every controller class the app routes, once each. */
export function controllersOf(modules: ModulesContainer): Set<Controller> {
  const controllers = new Set<Controller>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      if (typeof wrapper.metatype === "function") controllers.add(wrapper.metatype as Controller);
    }
  }
  return controllers;
}

/**
 * Every route handler of the app, with whether `UnkeyGuard` runs there
 * (app-wide, or `@UseGuards()` on the controller, a class it extends — Nest's
 * guard metadata is inherited — or the method) and the same metadata the guard
 * reads (`readRouteMetadata`).
 */
export function routeGuarding({ modules, config, reflector }: AppParts): RouteGuarding[] {
  const appWide = appWideCount(config);
  const scanner = new MetadataScanner();
  const routes: RouteGuarding[] = [];
  for (const controller of controllersOf(modules)) {
    const prototype = controller.prototype as Record<string, Handler>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as Handler;
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const guardCount =
        appWide + [...guardsOf(controller), ...guardsOf(handler)].filter(isUnkeyGuard).length;
      const metadata = readRouteMetadata(reflector, handler as never, controller as never);
      routes.push({ controller, handler, name, guardCount, metadata });
    }
  }
  return routes;
}
