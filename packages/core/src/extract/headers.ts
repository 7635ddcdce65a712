import type { HeadersLike } from "../types";

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
    if (candidate.length === name.length && matchesIgnoringCase(candidate, 0, name)) count++;
  }
  return count;
}

const foldCase = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);

/**
 * Whether `value` holds `expected` at `offset`, ASCII letters compared without
 * regard to case, as header names (RFC 9110 §5.1) and auth schemes (§11.1) are.
 * Allocates nothing: it runs on every guarded request.
 */
export function matchesIgnoringCase(value: string, offset: number, expected: string): boolean {
  if (offset + expected.length > value.length) return false;
  for (let i = 0; i < expected.length; i++) {
    if (foldCase(value.charCodeAt(offset + i)) !== foldCase(expected.charCodeAt(i))) return false;
  }
  return true;
}
