import type { PreparedRequest } from "../options/verify-request";

/** What a route asks of a key, as its options would be written: `cost: 5, permissions: "admin"`. */
export function routeSummary(route: PreparedRequest): string {
  const parts: string[] = [];
  if (route.querySource !== undefined)
    parts.push(`permissions: ${JSON.stringify(route.querySource)}`);
  if (route.tags !== undefined) parts.push(`tags: ${JSON.stringify(route.tags)}`);
  if (route.cost !== undefined) parts.push(`cost: ${route.cost}`);
  if (route.ratelimits !== undefined)
    parts.push(`ratelimits: ${JSON.stringify(route.ratelimits.map((limit) => limit.name))}`);
  return parts.join(", ");
}

/**
 * A guard named as its user wrote it, from the function they called and what its routes
 * ask: `unkey()`, `unkey({ cost: 5 })`. Verifier options (the root key first) never appear.
 *
 * @example
 * ```ts
 * guardName("unkey", prepareRequest({ cost: 5 })); // 'unkey({ cost: 5 })'
 * ```
 */
export function guardName(factory: string, route: PreparedRequest): string {
  const summary = routeSummary(route);
  return summary === "" ? `${factory}()` : `${factory}({ ${summary} })`;
}
