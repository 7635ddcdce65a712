import type { HeadersLike } from "./types";

/**
 * Reads one header from WHATWG `Headers` or a Node headers record (lower-case
 * names). Returns `string[]` when a Node record holds the header more than
 * once, so that duplicates can be refused rather than silently picked from.
 */
export function readHeader(
  headers: HeadersLike,
  name: string,
): string | readonly string[] | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  // Own-property lookups only: a header named `__proto__` or `constructor` must not
  // resolve to something inherited from Object.prototype.
  if (value === undefined || !Object.hasOwn(headers, name)) return undefined;
  return typeof value === "string" || Array.isArray(value) ? value : undefined;
}

/**
 * Counts how often a header occurs in Node's `rawHeaders` (name, value, name, …).
 * Node keeps only the first `Authorization` in `req.headers` (it discards
 * duplicates), so adapters pass `rawHeaders` to let duplicates be detected.
 */
export function countRawHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const candidate = rawHeaders[i] as string;
    if (candidate.length === name.length && candidate.toLowerCase() === name) count++;
  }
  return count;
}
