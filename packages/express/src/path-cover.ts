// A segment whose requests are known exactly: a literal (no path-to-regexp syntax in
// either Express 4's 0.1 or Express 5's 8.x grammar) or a bare named parameter.
const LITERAL = /^[\w.~-]+$/;
const PARAM = /^:\w+$/;

/** Whether the guard's segment matches every value the route's segment can take. */
function segmentCovers(guard: string, route: string): boolean {
  if (LITERAL.test(guard)) return guard === route;
  if (PARAM.test(guard)) return LITERAL.test(route) || PARAM.test(route);
  return false;
}

/**
 * Whether a middleware declared at `guard` (which Express matches as a prefix, at segment
 * boundaries) runs on every request a route declared at `route` answers, proven from the
 * two paths' text alone: the guard at the root, the same text, or a guard whose segments
 * are plain literals and bare parameters, each matching the route's segment at its place
 * (`/docs/:id` covers `/docs/:id/raw` and `/docs/readme`). Anything else (optional or
 * regex parameters, wildcards, groups) is not proven, and the route counts as open: a
 * CI guard may list a guarded route as open, never an open one as guarded.
 */
export function provesCovers(guard: string, route: string): boolean {
  if (guard === "/" || guard === "" || guard === route) return true;
  const wanted = guard.replace(/\/$/, "").split("/").slice(1);
  const given = route.split("/").slice(1);
  if (!route.startsWith("/") || wanted.length > given.length) return false;
  return wanted.every((segment, index) => segmentCovers(segment, given[index] as string));
}
