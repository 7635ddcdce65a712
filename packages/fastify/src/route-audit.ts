import { createRouteAudit, type FoundRoute, requirementsOf } from "@keyguard/core/adapter";
import type { FastifyInstance } from "fastify";
import { inventoryOf, type SeenRoute } from "./route-inventory";

/** Any Fastify instance, whatever its type provider or logger (those make instances incompatible). */
export type AuditedApp = Pick<FastifyInstance, "printRoutes">;

function foundOf(seen: SeenRoute, method: string): FoundRoute {
  const path = seen.url;
  if (seen.route.config?.unkey?.public === true) return { method, path, access: "public" };
  if (seen.guard === undefined) return { method, path, access: "open", note: seen.note };
  return { method, path, access: "key", ...requirementsOf(seen.guard) };
}

/** Every route of a ready app, one per method, with the keyguard plugin that guards it. */
function* fastifyRoutes(app: AuditedApp, at: string): Generator<FoundRoute> {
  const routes = [...inventoryOf(app as FastifyInstance, at).values()];
  const getHandlers = new Map<string, unknown>();
  for (const seen of routes)
    if (seen.methods.includes("GET")) getHandlers.set(seen.url, seen.handler);
  for (const seen of routes) {
    for (const method of seen.methods) {
      // The HEAD route Fastify adds beside each GET one (`exposeHeadRoutes`) is that route.
      if (method === "HEAD" && getHandlers.get(seen.url) === seen.handler) continue;
      yield foundOf(seen, method);
    }
  }
}

const audit = createRouteAudit(fastifyRoutes, "`config: { unkey: { public: true } }`");

/**
 * Every route of a Fastify app with its protection, once `await app.ready()` has run
 * (refused before, with a `KeyguardSetupError`): `"key"` where a keyguard plugin's hook
 * runs on it (registered at the root, or in a scope holding the route; with `addHook:
 * false`, only where `app.verifyUnkey` is the route's first `onRequest` hook, since an
 * earlier route hook may answer without a key: `"open"` with a note otherwise), with the
 * permissions, cost and rate limits it asks; scope-level hooks (`app.addHook`) are out of
 * its sight; `"public"` with
 * `config.unkey.public` or in `options.public`; `"open"` elsewhere, a rate limit alone
 * included. Routes are seen from the first keyguard plugin's load: an app that declared
 * routes before it is refused, naming them. Paths with their prefixes (`/v1/docs/:id`);
 * sorted by path, then method. A `public` entry that names no route is a `KeyguardConfigError`.
 *
 * @example
 * ```ts
 * await app.ready();
 * console.log(formatRouteAudit(auditRoutes(app)));
 * ```
 */
export const auditRoutes = audit.auditRoutes;

/**
 * Throws a `KeyguardConfigError` listing every route of a ready app that answers without
 * an API key and is not marked public (`config.unkey.public`, or `options.public`): the
 * one line of a CI test that fails when a new route ships open. Returns the rows otherwise.
 *
 * @example
 * ```ts
 * test("every route asks for a key", async () => {
 *   await app.ready();
 *   assertNoOpenRoutes(app);
 * });
 * ```
 */
export const assertNoOpenRoutes = audit.assertNoOpenRoutes;
