import { KeyguardSetupError } from "@keyguard/core";

/** A layer of an Express router's stack, as Express 4 and 5 (router 2.x) build them. */
export interface Layer {
  readonly handle?: { readonly name?: string; readonly stack?: unknown } | undefined;
  readonly route?: unknown;
  /** router ≥ 2.3 (Express 5): the path the layer was declared with. */
  readonly rawPath?: unknown;
  /** Express 4: the path, compiled by path-to-regexp 0.1. */
  readonly regexp?: (RegExp & { fast_slash?: boolean }) | undefined;
  readonly keys?: readonly { readonly name: string | number }[] | undefined;
  /** Express 4 and router < 2.3 keep the part of the path a match consumed here. */
  readonly path?: string | undefined;
  match(path: string): boolean | { readonly path: string } | false;
}

// path-to-regexp 0.1's output for a plain mount path (Express 4): `^\/v1\/?(?=\/|$)`, a
// parameter as `(?:\/([^/]+?))`. Anything else (a regular expression, `*`, `?`) is refused.
const MOUNT_END = /\\\/\?\(\?=\\\/\|\$\)$/;
const PARAM = "(?:\\/([^/]+?))";

/** An Express 4 mount path read back from its regular expression, if it is a plain one. */
function express4Paths(layer: Layer): string[] | undefined {
  const { regexp, keys = [] } = layer;
  if (regexp === undefined) return undefined;
  if (regexp.fast_slash) return ["/"];
  let key = 0;
  const paths = regexp.source.split("|^").map((source) =>
    source
      .replace(/^\^/, "")
      .replace(MOUNT_END, "")
      .split(PARAM)
      .map((part, index) => (index === 0 ? part : `/:${keys[key++]?.name}${part}`))
      .join("")
      .replace(/\\(.)/g, "$1"),
  );
  return paths.every((path) => !/[()[\]*+?{}|^$\\]/.test(path))
    ? paths.map((path) => path || "/")
    : undefined;
}

/** The paths a router is mounted at, as it was declared (`app.use("/v1", router)`). */
export function mountPathsOf(layer: Layer, at: string): string[] {
  if (layer.rawPath !== undefined) return [layer.rawPath].flat().map(String);
  const paths = express4Paths(layer);
  if (paths !== undefined) return paths;
  throw new KeyguardSetupError(
    at,
    `a router is mounted at ${String(layer.regexp ?? "a path")}, which this Express cannot give back as a path: mount it at a plain path (\`app.use("/v1", router)\`), or use Express 5 with router ≥ 2.3, which keeps the path as declared.`,
  );
}

/** A route's path under the routers it is mounted in: `/v1` and `/docs/:id` → `/v1/docs/:id`. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === "" || prefix === "/") return path;
  if (path === "/" || path === "") return prefix;
  return prefix.replace(/\/$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

/**
 * What is left of `path` once `layer` matched its start, as Express hands it on to a
 * router mounted there; `undefined` when the layer does not match. A route's own path,
 * parameters included (`/docs/:id`), stands for the requests it answers.
 */
export function consume(layer: Layer, path: string): string | undefined {
  let matched: ReturnType<Layer["match"]>;
  try {
    matched = layer.match(path);
  } catch {
    return undefined; // a path Express could not decode (a stray `%`) is never matched either
  }
  if (matched === false) return undefined;
  const used = typeof matched === "object" ? matched.path : (layer.path ?? "");
  return path.slice(used.length) || "/";
}
