// A segment whose requests are known exactly: a literal, or a bare named parameter
// (no `{regex}`, no `?`), which Hono matches against any one non-empty segment.
const LITERAL = /^[\w.~-]+$/;
const PARAM = /^:\w+$/;

function segmentCovers(guard: string, route: string): boolean {
  if (LITERAL.test(guard)) return guard === route;
  if (PARAM.test(guard)) return LITERAL.test(route) || PARAM.test(route);
  return false;
}

const segmentsOf = (path: string) => path.split("/").slice(1);

/**
 * Whether a middleware registered on `pattern` runs on every request the route at `path`
 * answers (both in Hono's spelling), proven from the text alone: `*` and `/*`, the same
 * text, a prefix wildcard (`/api/*`, which also matches `/api`) whose segments cover the
 * route's first ones, or a pattern of as many segments each covering the route's. Regex
 * or optional parameters and inner wildcards prove nothing: `/docs/:id{[0-9]+}` misses
 * `/docs/abc`, `/docs/:id` misses `/docs` of `/docs/:id?`, and the route counts as open.
 */
export function provesCovers(pattern: string, path: string): boolean {
  if (pattern === "*" || pattern === "/*" || pattern === path) return true;
  const wildcard = pattern.endsWith("/*");
  const wanted = segmentsOf(wildcard ? pattern.slice(0, -2) : pattern);
  const given = segmentsOf(path);
  if (wildcard ? given.length < wanted.length : given.length !== wanted.length) return false;
  return wanted.every((segment, index) => segmentCovers(segment, given[index] as string));
}
