import type { FoundRoute } from "@keyguard/core/adapter";
import type { INestApplication } from "@nestjs/common";

/** A layer of an Express router's stack (Express 4 and 5), as far as the audit reads it. */
interface Layer {
  readonly handle?: { readonly length?: number; readonly stack?: unknown } | undefined;
  readonly route?: { readonly path: unknown; readonly methods: Record<string, unknown> };
  readonly rawPath?: unknown;
  readonly regexp?: (RegExp & { fast_slash?: boolean }) | undefined;
}

interface ExpressAdapterLike {
  getType?(): string;
  getInstance?(): unknown;
  /** Nest 12: the global prefixes it mounted its not-found and error routers on. */
  readonly registeredPrefixes?: ReadonlySet<string> | undefined;
}

function stackOf(app: INestApplication): readonly Layer[] | undefined {
  const adapter = app.getHttpAdapter() as ExpressAdapterLike;
  if (adapter.getType?.() !== "express") return undefined;
  const express = adapter.getInstance?.() as
    | { router?: { stack?: Layer[] }; _router?: { stack?: Layer[] } }
    | undefined;
  return express?.router?.stack ?? express?._router?.stack;
}

/** A middleware layer's path as declared (Express 5 keeps it; Express 4's pattern otherwise). */
function pathOf(layer: Layer): string {
  if (layer.rawPath !== undefined) return String(layer.rawPath);
  return layer.regexp?.fast_slash ? "/" : String(layer.regexp ?? "/");
}

/**
 * Nest 12 mounts, at each global prefix, a router holding only its not-found handler (a
 * catch-all route answering 404) or its error handler (four parameters): Nest's own, never a
 * user's path middleware. Recognised by both: the prefix Nest recorded, and such a stack.
 */
function isNestPrefixRouter(app: INestApplication, layer: Layer, path: string): boolean {
  const prefixes = (app.getHttpAdapter() as ExpressAdapterLike).registeredPrefixes;
  const stack = layer.handle?.stack;
  if (!(prefixes instanceof Set) || !prefixes.has(path) || !Array.isArray(stack)) return false;
  return (stack as Layer[]).every((inner) =>
    inner.route !== undefined
      ? String(inner.route.path) === "*path" && "_all" in inner.route.methods
      : inner.handle?.length === 4,
  );
}

/**
 * What answers requests on a Nest app's Express instance besides its controllers, where no
 * Nest guard runs: routes registered on the HTTP adapter (`app.getHttpAdapter().get(...)`),
 * each `"open"`, and middleware mounted on a path (Nest's `consumer.apply(m).forRoutes(...)`,
 * `app.use(path, m)`, an Express router), each `ALL` `"open"` with `kind: "middleware"`:
 * they run before `UnkeyGuard`, and nothing tells one that answers from one that calls
 * `next()`. Middleware at the root (body parsers, Nest's not-found handler) and error
 * handlers (four parameters) are left out. `controllers` are the keys (`GET /docs`) of the
 * routes Nest registered for its controllers, already listed. The Fastify platform is not
 * read: there only controller routes are listed.
 */
export function* adapterRoutes(
  app: INestApplication,
  controllers: ReadonlySet<string>,
): Generator<FoundRoute> {
  for (const layer of stackOf(app) ?? []) {
    if (layer.route !== undefined) {
      const path = String(layer.route.path);
      for (const name of Object.keys(layer.route.methods)) {
        const method = name === "_all" ? "ALL" : name.toUpperCase();
        if (!controllers.has(`${method} ${path}`)) yield { method, path, access: "open" };
      }
      continue;
    }
    const path = pathOf(layer);
    if (layer.handle === undefined || layer.handle.length === 4 || path === "/") continue;
    if (isNestPrefixRouter(app, layer, path)) continue;
    yield { method: "ALL", path, access: "open", kind: "middleware" };
  }
}
