import {
  allOf,
  type GuardMark,
  guardMarkOf,
  type RouteSecurity,
  type SecurityScheme,
  schemesOf,
} from "@keyguard/core/adapter";
import type { RouterRoute } from "hono/types";
import { findTargetHandler } from "hono/utils/handler";

/** A Hono app, as far as documenting it goes: its routes, middleware included, in order. */
export interface RoutedApp {
  readonly routes: readonly RouterRoute[];
}

/** A Hono path in OpenAPI's spelling: `/docs/:id{[0-9]+}` → `/docs/{id}` (as hono-openapi does). */
export function toOpenApiPath(path: string): string {
  return path
    .split("/")
    .map((segment) => {
      const param = /^:([^{?]+)(?:\{.+\})?\??$/.exec(segment);
      return param ? `{${param[1]}}` : segment;
    })
    .join("/");
}

const isParam = (segment: string) => segment.startsWith("{") && segment.endsWith("}");

/**
 * Whether a middleware registered on `pattern` runs on the route `path` (both
 * in OpenAPI spelling), as Hono's routers match: a trailing `/*` also matches
 * the prefix itself, a `*` segment or a parameter matches any segment.
 */
export function covers(pattern: string, path: string): boolean {
  if (pattern === "*" || pattern === "/*") return true;
  const wanted = pattern.split("/");
  const given = path.split("/");
  for (let i = 0; i < wanted.length; i++) {
    const segment = wanted[i] as string;
    if (segment === "*" && i === wanted.length - 1) return given.length >= wanted.length - 1;
    if (i >= given.length) return false;
    if (segment !== "*" && !isParam(segment) && segment !== given[i]) return false;
  }
  return wanted.length === given.length;
}

/**
 * The keyguard middleware registered before `app.routes[end]` that run, in order, on
 * `method path` (OpenAPI spelling): the chain in front of that handler.
 */
export function guardsBefore(
  app: RoutedApp,
  end: number,
  method: string,
  path: string,
): GuardMark[] {
  const upper = method.toUpperCase();
  const matches = (route: RouterRoute) =>
    (route.method === upper || route.method === "ALL") && covers(toOpenApiPath(route.path), path);
  const marks: GuardMark[] = [];
  for (let index = 0; index < end; index++) {
    const route = app.routes[index] as RouterRoute;
    const mark = guardMarkOf(findTargetHandler(route.handler));
    if (mark !== undefined && matches(route)) marks.push(mark);
  }
  return marks;
}

/** The keyguard middleware that run, in order, before the handler of `method path`. */
function chainOf(app: RoutedApp, method: string, path: string): GuardMark[] {
  const upper = method.toUpperCase();
  // The handler is the last entry registered for exactly this method and path: what comes after it never runs.
  let handler = -1;
  app.routes.forEach((route, index) => {
    if (route.method === upper && toOpenApiPath(route.path) === path) handler = index;
  });
  return guardsBefore(app, handler, method, path);
}

/**
 * What the keyguard middleware in front of an operation enforce, read from the
 * app's routes: `undefined` when none runs there. Schemes come from the
 * `unkey()` middleware; the permission queries of every middleware in the
 * chain are joined with AND, since each must pass.
 */
export function securityOf(
  app: RoutedApp,
  method: string,
  path: string,
): RouteSecurity | undefined {
  const chain = chainOf(app, method, path);
  if (chain.length === 0) return undefined;
  let schemes: Record<string, SecurityScheme> = {};
  const queries: string[] = [];
  // The first guard verifies the key, and so charges it: its cost and rate limits are the route's.
  const verifying = chain.find((mark) => mark.sources !== undefined);
  for (const mark of chain) {
    if (mark.sources !== undefined) schemes = { ...schemes, ...schemesOf(mark.sources) };
    if (mark.permissions !== undefined) queries.push(mark.permissions);
  }
  return {
    schemes,
    permissions: allOf(queries),
    cost: verifying?.cost,
    ratelimits: verifying?.ratelimits,
  };
}
