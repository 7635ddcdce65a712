import { RequestMethod } from "@nestjs/common";
import type { ApplicationConfig, ModulesContainer } from "@nestjs/core";
// Nest's own path builder (global prefix and its exclusions, URI versions, RouterModule
// paths), imported as @nestjs/swagger imports it: no public entry exports it.
import { RoutePathFactory } from "@nestjs/core/router/route-path-factory.js";
import { type Controller, type Handler, PATH_METADATA } from "./route-guarding";

// Nest's metadata keys (`@nestjs/common/constants`), spelled here to avoid a deep import.
const METHOD_METADATA = "method";
const VERSION_METADATA = "__version__";
const MODULE_PATH = "__module_path__";

type VersionValue = Parameters<RoutePathFactory["create"]>[0]["controllerVersion"];

/** One path a route handler answers, with its method (`GET`, `ALL`). */
export interface RoutePath {
  readonly method: string;
  readonly path: string;
}

const leading = (path: string) => (path === "" || path.startsWith("/") ? path : `/${path}`);
const listOf = (value: unknown): string[] =>
  value === undefined ? [] : [value].flat().map((path) => leading(String(path)));

/** The RouterModule paths of the modules routing each controller (`undefined`: none), as Nest reads them. */
function modulePathsOf(modules: ModulesContainer): Map<Controller, (string | undefined)[]> {
  const paths = new Map<Controller, (string | undefined)[]>();
  const { applicationId } = modules as { applicationId?: string };
  for (const module of modules.values()) {
    const metatype = module.metatype;
    const path = ((applicationId && Reflect.getMetadata(MODULE_PATH + applicationId, metatype)) ??
      Reflect.getMetadata(MODULE_PATH, metatype)) as string | undefined;
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Controller;
      paths.set(controller, [...(paths.get(controller) ?? []), path]);
    }
  }
  return paths;
}

/**
 * The method and paths each route handler answers, built the way Nest's router builds
 * them at `init()` (`RoutesResolver`, `RouterExplorer`): module path, controller path(s),
 * method path(s), global prefix, URI version(s).
 */
export function routePaths(modules: ModulesContainer, config: ApplicationConfig) {
  const factory = new RoutePathFactory(config);
  const byController = modulePathsOf(modules);
  const globalPrefix = leading(config.getGlobalPrefix());
  const versioningOptions = config.getVersioning();
  return (controller: Controller, handler: Handler): RoutePath[] => {
    const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
    const controllerVersion = versioningOptions
      ? ((Reflect.getMetadata(VERSION_METADATA, controller) as VersionValue | undefined) ??
        versioningOptions.defaultVersion)
      : undefined;
    const methodVersion = Reflect.getMetadata(VERSION_METADATA, handler) as VersionValue;
    const paths = new Set<string>();
    for (const modulePath of byController.get(controller) ?? [undefined]) {
      for (const ctrlPath of listOf(Reflect.getMetadata(PATH_METADATA, controller))) {
        for (const methodPath of listOf(Reflect.getMetadata(PATH_METADATA, handler))) {
          const metadata = { ctrlPath, methodPath, modulePath, globalPrefix, versioningOptions };
          const built = factory.create(
            { ...metadata, controllerVersion, methodVersion },
            requestMethod,
          );
          for (const path of built) paths.add(path);
        }
      }
    }
    const method = RequestMethod[requestMethod] ?? String(requestMethod);
    return [...paths].map((path) => ({ method, path }));
  };
}
