import type { GuardRequest } from "@keyguard/core/adapter";

/**
 * The request facts the guard reads from a Web `Request` (a `NextRequest` is one).
 * Two `Authorization` headers reach `Headers` comma-joined, which the core refuses.
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
