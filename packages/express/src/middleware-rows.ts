import { type FoundRoute, routeFromChain } from "@keyguard/core/adapter";
import { guardsOn, type Scoped, withNote } from "./guard-coverage";
import type { Layer } from "./mount-paths";

/**
 * The rows of a middleware that is neither a keyguard guard nor a router: `ALL` at each
 * path it is mounted at (`app.use("/files", handler)`, a router's `use` under its mount
 * path), `"key"` only when a guard that surely runs on all of it comes first. Express gives
 * no way to tell one that answers from one that calls `next()`, so each is listed, to be
 * guarded or named in the `public` list. Left out: middleware at the root (`express.json()`,
 * `cors()`), which run in front of every route and would fill the table, except
 * `express.static` (`serveStatic`), which answers with files; and error handlers (four
 * parameters), which only answer errors of the routes listed.
 */
export function middlewareRows(
  layer: Layer,
  paths: readonly string[] | undefined,
  before: readonly Scoped[],
): FoundRoute[] {
  const handle = layer.handle as ({ name?: string; length?: number } & object) | undefined;
  if (handle === undefined || handle.length === 4) return [];
  const shown = paths ?? [String(layer.regexp)];
  const rooted = (path: string) => path === "/" || path === "";
  return shown
    .filter((path) => !rooted(path) || handle.name === "serveStatic")
    .map((path) => {
      const { marks, note } = guardsOn(before, path);
      return { ...withNote(routeFromChain("ALL", path, marks), note), kind: "middleware" };
    });
}
