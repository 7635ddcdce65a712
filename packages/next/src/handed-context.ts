import type { KeyContext, Verifier } from "@keyguard/core";
import type { Guard, GuardRequest, KeySource, PreparedRequest } from "@keyguard/core/adapter";
import { createBinder } from "./binding";
import { CONTEXT_HEADER, MAX_AGE_MS, type OpenedContext, openContext } from "./handoff";
import { keyOf } from "./request";

/**
 * How far ahead of the route's clock a signer's may run (the middleware on the Edge runtime,
 * the route on Node) before its hand-offs are refused as signed in the future.
 */
const CLOCK_SKEW_MS = 1_000;

/** What a route needs to take a hand-off. */
export interface Acceptance {
  readonly secret: string;
  readonly sources: readonly KeySource[];
  readonly bindingOf: (request: Request, key: string) => Promise<string>;
  /** Whether this route would itself serve an expired entry during an outage. */
  readonly servesStale: boolean;
  /** How old a hand-off may be: 30 s, or the route's `cache.ttlMs` when shorter. */
  readonly maxAgeMs: number;
  /** When the route's verifier last invalidated anything: a hand-off must postdate it. */
  readonly invalidatedAt: () => number;
}

/**
 * A hand-off is an answer remembered between the middleware and the route: it may serve a key
 * no longer than the route's own cache would (the core's `cache.ttlMs` promise: a revoked key
 * passes for at most that long). With `cache: false` the route has no such bound: 30 s.
 */
function maxAgeOf(verifier: Verifier): number {
  const { cache } = verifier.options;
  return cache === false ? MAX_AGE_MS : Math.min(MAX_AGE_MS, cache.ttlMs);
}

/**
 * The route's verifier's invalidation clock. A verifier-like object of your own (`verifier`
 * option) without `invalidatedAt` cannot tell whether a hand-off predates a revocation, so
 * none is taken: the route verifies every request itself.
 */
function invalidationClock(verifier: Verifier): () => number {
  return typeof verifier.invalidatedAt === "function"
    ? () => verifier.invalidatedAt()
    : () => Number.POSITIVE_INFINITY;
}

/**
 * None without a secret, and none for a metered route: its `cost` and `ratelimits` must reach
 * Unkey with a verification of its own. (The middleware's verification is no free look: Unkey
 * deducts its default cost of 1 from a key with credits on every verification,
 * svc/api/routes/v2_keys_verify_key/handler.go:142-146, so a metered route behind the
 * middleware spends its `cost` plus 1; the README shows the matcher that avoids it.)
 */
export function acceptanceOf(
  guard: Guard,
  route: PreparedRequest,
  secret: string | undefined,
  customGetKey: boolean,
): Acceptance | undefined {
  if (secret === undefined || route.metered) return undefined;
  return {
    secret,
    sources: guard.sources,
    bindingOf: createBinder(guard, customGetKey),
    servesStale: guard.verifier.options.staleIfErrorMs > 0,
    maxAgeMs: maxAgeOf(guard.verifier),
    invalidatedAt: invalidationClock(guard.verifier),
  };
}

/**
 * The context `unkeyMiddleware()` signed for this request, if it was signed for this
 * request's method and path and for the key it presents (read as the route reads it:
 * `keySources` or `getKey`), by a middleware that verifies as this route does. Otherwise
 * `undefined`: the route verifies the request as if no middleware ran. A request that
 * presents no key takes nothing, so a captured value replayed where the middleware does
 * not run (a matcher's `missing`/`has`, a rewrite) is worth nothing without its key.
 */
export async function handedContext(
  request: Request,
  guardRequest: GuardRequest,
  accepts: Acceptance,
): Promise<KeyContext | undefined> {
  const value = request.headers.get(CONTEXT_HEADER);
  if (value === null) return undefined;
  const key = keyOf(guardRequest, accepts.sources);
  if (key === undefined) return undefined;
  const opened = await openContext(value, accepts.secret, await accepts.bindingOf(request, key));
  if (opened === undefined || !current(opened, accepts) || !wouldServe(opened.context, accepts))
    return undefined;
  return handedOn(opened.context);
}

/**
 * Signed within `maxAgeMs` and after the route's verifier last invalidated anything
 * (`invalidate`, `invalidateKeyId` of any key, `clear()`, or the shared cache's bus): the core
 * promises that an invalidation wins over answers obtained before it, and a hand-off is one.
 * Any key's invalidation counts, not only this key's: `invalidate(key)` and the shared cache's
 * invalidations name a key by a digest the hand-off does not carry, so only "any" is sure.
 * A refused hand-off costs one verification of the route's own.
 */
function current({ signedAt }: OpenedContext, accepts: Acceptance): boolean {
  const now = Date.now();
  return (
    signedAt > accepts.invalidatedAt() &&
    signedAt <= now + CLOCK_SKEW_MS &&
    now - signedAt < accepts.maxAgeMs
  );
}

/**
 * A taken hand-off is an answer given earlier, not Unkey answering this request: `"upstream"`
 * becomes `"cache"` (the core's word for an earlier answer served again, packages/core/README.md
 * "`source`"); `"cache"` and `"stale"` say what they said in the middleware.
 */
function handedOn(context: KeyContext): KeyContext {
  return context.source === "upstream" ? { ...context, source: "cache" } : context;
}

/**
 * A fail-open pass is never taken: no key was verified, so it vouches for nothing, and a value
 * captured during an outage would otherwise let its (made-up) key in for its whole life after
 * Unkey recovered. The route verifies the request itself, and fails open on its own account
 * while the outage lasts. A stale answer (an expired entry served during an outage) is taken
 * only by a route that would itself serve stale (`staleIfErrorMs > 0`): any other route
 * answers such a request 503 on its own, and a hand-off never lets in more than the route would.
 */
function wouldServe(context: KeyContext, accepts: Acceptance): boolean {
  if (context.source === "fail-open") return false;
  if (context.source === "stale") return accepts.servesStale;
  return true;
}
