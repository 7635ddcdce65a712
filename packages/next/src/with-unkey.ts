import type { KeyContext, Verifier } from "@keyguard/core";
import { authorize, type Decision, hookBoolean } from "@keyguard/core/adapter";
import { createNextGuard, deferredInBuild } from "./guard";
import { acceptanceOf, handedContext } from "./handed-context";
import { contextSecretOf, splitOptions, type UnkeyNextOptions } from "./options";
import { guardRequestOf, presentedKey } from "./request";
import { createRefuse, withAllowHeaders } from "./respond";

type MaybePromise<T> = T | Promise<T>;

/** A Next route handler: `export const GET = withUnkey(…)`. */
export type RouteHandler<R extends Request, C> = ((request: R, context: C) => Promise<Response>) & {
  /** The verifier behind it, to share its cache explicitly (`verifier: GET.verifier`). */
  readonly verifier: Verifier;
};

/** Your handler, given the key that was let in as `context.unkey`. */
export type GuardedHandler<R extends Request, C> = (
  request: R,
  context: C & { unkey: KeyContext },
) => MaybePromise<Response>;

/** Your handler when `skip` is set: a skipped request has no key. */
export type SkippableHandler<R extends Request, C> = (
  request: R,
  context: C & { unkey: KeyContext | undefined },
) => MaybePromise<Response>;

/** Options of `withUnkey()`: the core's options and route options, hooks, the hand-off secret. */
export type WithUnkeyOptions = UnkeyNextOptions;

/**
 * Wraps an App Router route handler so that it runs only for a valid Unkey API key
 * (and the route's `permissions`; `cost`, `tags` and `ratelimits` go to Unkey),
 * with the key's context as `context.unkey`. Denials are 401/403/429/503/500
 * problem+json Responses, as in every keyguard adapter.
 *
 * One verifier (one cache) serves every wrapped handler of the process given the
 * same verifier options, without passing it around; pass `verifier` to choose.
 * Behind `unkeyMiddleware()`, the context the middleware signed is used instead of
 * a second verification, only for a request presenting the key the middleware verified
 * (no key or another key: the request is verified as if no middleware ran), and unless the
 * route is metered (`cost`, `ratelimits`), verifies differently (another Unkey URL, root key
 * or key sources: it then verifies itself), or the middleware failed open (never taken: the
 * route verifies itself) or served a stale answer and this route would not. A hand-off is
 * taken only within the route's `cache.ttlMs` (at most 30 s) and only if signed after the
 * latest `invalidate`, `invalidateKeyId` or `clear()` of this route's verifier, so none
 * outlives a revocation longer than the route's own cache would; a taken one reports
 * `source: "cache"` (an earlier answer, not Unkey answering this request). Keep metered
 * routes out of the middleware's matcher: the middleware's verification also spends 1 credit
 * of a key with credits.
 * A CORS preflight (`OPTIONS`) passes unguarded by default, with `unkey` undefined, except
 * on a route with permissions, `cost` or `ratelimits`: there it is guarded (401 without a key).
 *
 * @example
 * ```ts
 * // app/api/docs/route.ts
 * import { withUnkey } from "@keyguard/next";
 *
 * export const GET = withUnkey(async (_request, { unkey }) => Response.json({ keyId: unkey.keyId }), {
 *   permissions: "docs.read",
 * });
 * ```
 */
export function withUnkey<R extends Request = Request, C = unknown>(
  handler: SkippableHandler<R, C>,
  options: WithUnkeyOptions & { skip: NonNullable<UnkeyNextOptions["skip"]> },
): RouteHandler<R, C>;
export function withUnkey<R extends Request = Request, C = unknown>(
  handler: GuardedHandler<R, C>,
  options?: WithUnkeyOptions & { skip?: undefined },
): RouteHandler<R, C>;
export function withUnkey<R extends Request, C>(
  handler: SkippableHandler<R, C>,
  options?: WithUnkeyOptions,
): RouteHandler<R, C> {
  const { hooks, guardOptions } = splitOptions(options);
  const { getKey, skip } = hooks;
  const setup = deferredInBuild(guardOptions, () => {
    const guard = createNextGuard(guardOptions);
    const route = guard.route();
    const accepts = acceptanceOf(guard, route, contextSecretOf(options), getKey !== undefined);
    return { guard, route, accepts };
  });
  const refuse = createRefuse(hooks);

  async function decide(request: Request): Promise<Decision> {
    const { guard, route, accepts } = setup();
    // `getKey` runs once: the hand-off is checked against the key it returns, and that same
    // key is verified when the hand-off is not taken.
    const guardRequest = guardRequestOf(request, await presentedKey(getKey, request));
    const handed =
      accepts === undefined ? undefined : await handedContext(request, guardRequest, accepts);
    if (handed !== undefined) return authorize(handed, route);
    return guard.check(guardRequest, route);
  }

  const wrapped = async (request: R, context: C): Promise<Response> => {
    // A throw, a rejection or a non-boolean skip is thrown to Next: never a pass.
    if (skip !== undefined && (await hookBoolean("skip", skip(request)))) {
      return handler(request, { ...context, unkey: undefined });
    }
    const decision = await decide(request);
    if (!decision.allowed) return refuse(decision, request);
    const response = await handler(request, { ...context, unkey: decision.context as KeyContext });
    return withAllowHeaders(response, decision.headers);
  };
  // A getter: during `next build` the verifier is created at first use (see deferredInBuild).
  return Object.defineProperty(wrapped, "verifier", {
    get: () => setup().guard.verifier,
    enumerable: true,
  }) as RouteHandler<R, C>;
}
