import { type UnkeyMiddleware, type UnkeyMiddlewareOptions, unkeyMiddleware } from "./middleware";

/** Options of `unkeyProxy()`: the same as `unkeyMiddleware()`'s and `withUnkey()`'s. */
export type UnkeyProxyOptions = UnkeyMiddlewareOptions;

/**
 * A Next.js 16 proxy function (`NextProxy`: it takes the `NextRequest` and may ignore the
 * `NextFetchEvent`); `verifier` is its verifier, to share its cache.
 */
export type UnkeyProxy = UnkeyMiddleware;

/**
 * `unkeyMiddleware()` under the name Next.js 16 gives the file convention: export it from
 * `proxy.ts` as `proxy` (or as the default export). Next.js 16 renamed `middleware.ts` to
 * `proxy.ts` and runs it on the Node.js runtime only: a proxy file may not export a
 * `runtime` (Next's `proxy.js` reference, "Runtime"), and this one needs none, being Web
 * APIs only. Keep `unkeyMiddleware()` in `middleware.ts` on Next.js 15, or to stay on the
 * Edge runtime on Next.js 16 (which still runs `middleware.ts`, deprecated).
 *
 * It verifies, answers denials and hands the verified key to `withUnkey()` route handlers
 * exactly as {@link unkeyMiddleware} does.
 *
 * @example
 * ```ts
 * // proxy.ts
 * import { unkeyProxy } from "@keyguard/next";
 *
 * export const proxy = unkeyProxy({ permissions: "api.read" });
 * export const config = { matcher: "/api/:path*" };
 * ```
 */
export function unkeyProxy(options?: UnkeyProxyOptions): UnkeyProxy {
  return unkeyMiddleware(options);
}
