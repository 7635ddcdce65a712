import { KeyguardSetupError } from "@keyguard/core";
import { createRouteAudit, type FoundRoute, requirementsOf } from "@keyguard/core/adapter";
import type { INestApplication } from "@nestjs/common";
import { ApplicationConfig, ModulesContainer } from "@nestjs/core";
import { type AppRoute, appRoutes } from "./app-routes";
import { isInitialized } from "./initialized";
import { routePaths } from "./route-paths";

function found(route: AppRoute, method: string, path: string): FoundRoute {
  if (route.compiled !== undefined)
    return { method, path, access: "key", ...requirementsOf(route.compiled) };
  return { method, path, access: route.metadata.isPublic ? "public" : "open" };
}

/** Every route of an initialized app, one per method and path, with what UnkeyGuard asks there. */
function* nestRoutes(app: INestApplication, at: string): Generator<FoundRoute> {
  const { routes } = appRoutes(app, at);
  const modules = app.get(ModulesContainer, { strict: false });
  if (!isInitialized(modules))
    throw new KeyguardSetupError(
      at,
      "call it after `await app.init()` (or `app.listen()`): until then Nest has not registered the routes, and guards added with `app.useGlobalGuards()` may still come.",
    );
  const pathsOf = routePaths(modules, app.get(ApplicationConfig, { strict: false }));
  for (const route of routes) {
    for (const { method, path } of pathsOf(route.controller, route.handler))
      yield found(route, method, path);
  }
}

const audit = createRouteAudit(nestRoutes, "`@Public()` on the handler or controller");

/**
 * Every route of a Nest app with its protection, once `await app.init()` (or `listen()`)
 * has run (refused before, with a `KeyguardSetupError`): `"key"` where `UnkeyGuard` runs
 * (`APP_GUARD`, `useGlobalGuards()`, `@UseGuards()`), with the permissions, cost and rate
 * limits its decorators ask; `"public"` with `@Public()` or in `options.public`; `"open"`
 * elsewhere, `@Ratelimit()` alone included. Read from the metadata `UnkeyGuard` compiles,
 * as `createUnkeyDocument()` reads it; paths as Nest registers them (global prefix,
 * `RouterModule` paths and URI versions included). Sorted by path, then method. A
 * `public` entry that names no route is a `KeyguardConfigError`.
 *
 * @example
 * ```ts
 * await app.init();
 * console.log(formatRouteAudit(auditRoutes(app)));
 * ```
 */
export const auditRoutes = audit.auditRoutes;

/**
 * Throws a `KeyguardConfigError` listing every route of an initialized app that answers
 * without an API key and is not marked public (`@Public()`, or `options.public`): the one
 * line of a CI test that fails when a new route ships open. Returns the rows otherwise.
 *
 * @example
 * ```ts
 * test("every route asks for a key", async () => {
 *   await app.init();
 *   assertNoOpenRoutes(app);
 * });
 * ```
 */
export const assertNoOpenRoutes = audit.assertNoOpenRoutes;
