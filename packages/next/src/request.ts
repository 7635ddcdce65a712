import { extractKey, type GuardRequest, type KeySource } from "@keyguard/core/adapter";

/**
 * The request facts the guard reads from a Web `Request` (a `NextRequest` is one). Two
 * `X-API-Key` headers reach `Headers` comma-joined, which the core refuses; two `Authorization`
 * headers never reach it as two under `next start`: Node's parser keeps only the first
 * (IncomingMessage `headers` discards duplicates of `authorization`) before Next builds the
 * Request, and no `rawHeaders` reach a route handler (see the README).
 */
export function guardRequestOf(request: Request, key: string | null | undefined): GuardRequest {
  // A Web Request's method is a plain field read: passed always, whatever `guard.readsMethod`.
  return { method: request.method, headers: request.headers, url: request.url, key };
}

/** The key from the `getKey` hook (`null` for none), or `undefined` to read `keySources`. */
export async function presentedKey(
  getKey: ((request: Request) => unknown) | undefined,
  request: Request,
): Promise<string | null | undefined> {
  if (getKey === undefined) return undefined;
  return ((await getKey(request)) as string | null | undefined) ?? null;
}

/**
 * The key this request presents, as the guard reads it: the `getKey` hook's answer (carried
 * in `request.key`, see {@link presentedKey}) when there is a hook, else the first usable
 * `keySources` value; `undefined` when there is none. A request the guard refuses is never
 * handed anything, so this need only agree with the guard on the keys it lets in.
 */
export function keyOf(request: GuardRequest, sources: readonly KeySource[]): string | undefined {
  if (request.key !== undefined)
    return typeof request.key === "string" && request.key !== "" ? request.key : undefined;
  const extraction = extractKey(request, sources);
  return extraction.ok ? extraction.key : undefined;
}
