import type { FoundRoute } from "./found-route";
import { type GuardMark, verifiesKey } from "./guard-mark";

/** The permission queries of one chain of guards, all of which must pass, as one query. */
export function allOf(queries: readonly string[]): string | undefined {
  if (queries.length <= 1) return queries[0];
  return queries.map((query) => `(${query})`).join(" AND ");
}

/**
 * A route from the keyguard middleware that run, in order, before its handler: `"key"`
 * when one of them verifies a key, with every guard's query joined with AND and the cost
 * and rate limits of the first that verifies (a later one never verifies again: see
 * `Guard.again`); `"open"` otherwise, `requirePermissions()` alone included, since no key
 * was verified for it to check.
 *
 * @example
 * ```ts
 * routeFromChain("GET", "/docs", [guardMarkOf(auth), guardMarkOf(requirePermissions("docs.read"))]);
 * ```
 */
export function routeFromChain(
  method: string,
  path: string,
  chain: readonly GuardMark[],
): FoundRoute {
  const verifier = chain.find(verifiesKey);
  if (verifier === undefined) return { method, path, access: "open" };
  const queries = chain.flatMap((mark) =>
    mark.permissions === undefined ? [] : [mark.permissions],
  );
  return {
    method,
    path,
    access: "key",
    permissions: allOf(queries),
    cost: verifier.cost,
    ratelimits: verifier.ratelimits,
  };
}
