import { KeyguardSetupError } from "@keyguard/core";
import { type FoundRoute, guardMarkOf, routeFromChain } from "@keyguard/core/adapter";
import { guardsOn, type Scoped, withNote } from "./guard-coverage";
import { middlewareRows } from "./middleware-rows";
import { declaredPaths, joinPath, type Layer, mountPathsOf } from "./mount-paths";
import { guardsBeforeHandler } from "./route-layers";

/** A route of a router's stack: its path, its methods, its own handlers in order. */
interface Route {
  readonly path: unknown;
  readonly methods: Readonly<Record<string, boolean | undefined>>;
  readonly stack: readonly (Layer & { readonly method?: string | undefined })[];
}

/**
 * One found route per path and method of an Express route: the keyguard middleware met
 * before it that Express runs on its path, then the route's own guards declared before
 * its first handler (see `guardsBeforeHandler`). `.all()` is `ALL`.
 */
function routesOf(route: Route, prefix: string, before: readonly Scoped[]): FoundRoute[] {
  const found: FoundRoute[] = [];
  for (const path of [route.path].flat().map(String)) {
    const full = joinPath(prefix, path);
    const { marks: applying, note } = guardsOn(before, full);
    for (const method of Object.keys(route.methods)) {
      const all = method === "_all";
      const layers = route.stack.filter(
        (layer) => layer.method === undefined || (!all && layer.method === method),
      );
      if (layers.length === 0) continue;
      const own = guardsBeforeHandler(layers);
      const chain = [...applying, ...own.marks];
      const row = routeFromChain(all ? "ALL" : method, full, chain);
      found.push(withNote(row, [note, own.note].filter(Boolean).join("; ") || undefined));
    }
  }
  return found;
}

const isRouter = (layer: Layer) => Array.isArray(layer.handle?.stack);

/**
 * Walks a router's stack in order, as Express runs it: a route gets the keyguard
 * middleware met before it (app-wide, in a router it sits in, or in a router mounted
 * earlier whose path covers it, since a router's middleware run on every request that
 * enters it and a request it does not answer goes on); a mounted router is walked under
 * its mount path. Middleware after a route never run before it.
 */
function walk(
  stack: readonly Layer[],
  mounts: readonly Layer[],
  prefix: string,
  before: Scoped[],
  at: string,
): FoundRoute[] {
  const found: FoundRoute[] = [];
  for (const layer of stack) {
    if (layer.route !== undefined) {
      found.push(...routesOf(layer.route as Route, prefix, before));
    } else if (isRouter(layer)) {
      const inner = layer.handle?.stack as Layer[];
      for (const mount of mountPathsOf(layer, at))
        found.push(...walk(inner, [...mounts, layer], joinPath(prefix, mount), before, at));
    } else if (layer.handle?.name === "mounted_app") {
      throw new KeyguardSetupError(
        at,
        `an Express app is mounted at ${mountPathsOf(layer, at).join(", ")} (\`app.use(path, subApp)\`), and Express keeps no way from here to its routes: mount an \`express.Router()\` there instead, or audit that app on its own.`,
      );
    } else {
      const mark = guardMarkOf(layer.handle);
      const paths = declaredPaths(layer, prefix);
      // A router mounted at several paths is walked once per path: its guards once per path.
      if (mark !== undefined) before.push({ mounts, layer, mark, paths });
      else found.push(...middlewareRows(layer, paths, before));
    }
  }
  return found;
}

/** An Express app (4 or 5) or router, as far as auditing it goes. */
export type RoutedApp = object;

/** The router stack of an app (Express 4's `_router`, created on first use; Express 5's `router`) or router. */
function stackOf(app: RoutedApp, at: string): readonly Layer[] {
  const target = app as { stack?: unknown; lazyrouter?: unknown; _router?: { stack: Layer[] } };
  if (Array.isArray(target.stack)) return target.stack as Layer[];
  if (typeof target.lazyrouter === "function") return target._router?.stack ?? [];
  const router = (app as { router?: { stack?: unknown } }).router;
  if (Array.isArray(router?.stack)) return router.stack as Layer[];
  throw new KeyguardSetupError(at, "expected an Express app or router.");
}

/** Every route of an Express app or router, in the order Express matches them. */
export const expressRoutes = (app: RoutedApp, at: string): FoundRoute[] =>
  walk(stackOf(app, at), [], "", [], at);
