import type { KeyContext } from "@keyguard/core";
import type { Guard, GuardRequest, KeySource, PreparedRequest } from "@keyguard/core/adapter";
import { createBinder } from "./binding";
import { CONTEXT_HEADER, openContext } from "./handoff";
import { keyOf } from "./request";

/** What a route needs to take a hand-off. */
export interface Acceptance {
  readonly secret: string;
  readonly sources: readonly KeySource[];
  readonly bindingOf: (request: Request, key: string) => Promise<string>;
  /** Whether this route would itself serve an expired entry during an outage. */
  readonly servesStale: boolean;
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
  const context = await openContext(value, accepts.secret, await accepts.bindingOf(request, key));
  return context !== undefined && wouldServe(context, accepts) ? context : undefined;
}

/**
 * A fail-open pass is never taken: no key was verified, so it vouches for nothing, and a value
 * captured during an outage would otherwise let its (made-up) key in for its whole 30 s after
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
