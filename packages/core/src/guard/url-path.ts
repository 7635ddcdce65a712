/**
 * A request URL without its query string, for messages and logs: the query may
 * carry a key (a `query` key source), and no message names a key.
 *
 * @example
 * ```ts
 * withoutQuery("/docs?api_key=sk_123"); // "/docs"
 * ```
 */
export function withoutQuery(url: string): string {
  const mark = url.indexOf("?");
  return mark === -1 ? url : url.slice(0, mark);
}
