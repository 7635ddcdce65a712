import { declareGuardedOperation, withKeyguardComponents } from "@keyguard/core/adapter";
import type { Context, Env, Hono } from "hono";
import { generateSpecs } from "hono-openapi";
import { type RoutedApp, securityOf } from "./route-guards";

const METHODS = /* @__PURE__ */ new Set([
  "get",
  "put",
  "post",
  "delete",
  "options",
  "head",
  "patch",
  "trace",
]);

type OpenApiDocument = {
  paths?: Record<string, Record<string, unknown> | undefined>;
  components?: Record<string, Record<string, unknown> | undefined>;
};

/** hono-openapi's options, as `generateSpecs` takes them. */
export type KeyguardSpecsOptions = NonNullable<Parameters<typeof generateSpecs>[1]>;

/**
 * Declares, on an OpenAPI document generated for `app`, what its keyguard
 * middleware enforce: for every operation an `unkey()` or
 * `requirePermissions()` runs in front of (registered before it, on a
 * matching path), `security` (one alternative per key source), the
 * 401/403/429/503 problem+json responses it does not already declare and
 * `x-permissions`; the schemes in `components.securitySchemes`. Works on any
 * document whose paths are the app's (hono-openapi's `generateSpecs`,
 * `@hono/zod-openapi`'s `getOpenAPI31Document`). Returns the document, changed.
 *
 * @example
 * ```ts
 * const document = applyKeyguardOpenApi(app, await generateSpecs(app));
 * ```
 */
export function applyKeyguardOpenApi<D extends object>(app: RoutedApp, document: D): D {
  const target = document as OpenApiDocument;
  let schemes = {};
  for (const [path, item] of Object.entries(target.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      if (!METHODS.has(method) || typeof operation !== "object" || operation === null) continue;
      const security = securityOf(app, method, path);
      if (security === undefined) continue;
      schemes = { ...schemes, ...security.schemes };
      declareGuardedOperation(operation as Record<string, unknown>, security);
      // requirePermissions() without unkey(): 401 for everyone, but no scheme to name.
      if (Object.keys(security.schemes).length === 0)
        delete (operation as { security?: unknown }).security;
    }
  }
  target.components = withKeyguardComponents(target.components, schemes);
  return document;
}

/** hono-openapi gives a route without `describeRoute()` a bare `200: {}`; OpenAPI requires a description. */
function describeBareResponses(document: OpenApiDocument): void {
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      const responses = (operation as { responses?: Record<string, object> } | null)?.responses;
      for (const response of Object.values(responses ?? {})) {
        if (typeof response === "object" && response !== null && !("description" in response))
          Object.assign(response, { description: "Not described." });
      }
    }
  }
}

/**
 * hono-openapi's `openAPIRouteHandler` with keyguard: serves the app's OpenAPI
 * document with what `unkey()` and `requirePermissions()` enforce declared, and
 * no annotations needed (`includeEmptyPaths` defaults to `true`, so routes
 * without `describeRoute()` are documented too). Generated once, on the first request.
 *
 * @example
 * ```ts
 * app.get("/openapi.json", openAPIRouteHandler(app, { documentation: { info: { title: "API", version: "1.0.0" } } }));
 * ```
 */
export function openAPIRouteHandler<E extends Env>(
  app: Hono<E>,
  options: KeyguardSpecsOptions = {},
) {
  let document: Promise<object> | undefined;
  return async (c: Context) => {
    document ??= generateSpecs(app, { includeEmptyPaths: true, ...options }, c).then(
      (specs) => {
        describeBareResponses(specs as OpenApiDocument);
        return applyKeyguardOpenApi(app, specs);
      },
      (error: unknown) => {
        document = undefined; // tried again on the next request
        throw error;
      },
    );
    return c.json(await document);
  };
}
