import type { FailureMode, KeyContext } from "@keyguard/core";
import type { Guard, GuardRequest, KeySource, PreparedRequest } from "@keyguard/core/adapter";
import { createBinder } from "./binding";
import { CONTEXT_HEADER, openContext } from "./handoff";
import { keyOf } from "./request";

/** What a route needs to take a hand-off. */
export interface Acceptance {
  readonly secret: string;
  readonly sources: readonly KeySource[];
  readonly bindingOf: (request: Request, key: string) => Promise<string>;
  readonly failureMode: FailureMode;
  /** Whether this route would itself serve an expired entry during an outage. */
  readonly servesStale: boolean;
}

/** None without a secret, and none for a metered route: the middleware's verification deducted nothing. */
export function acceptanceOf(
  guard: Guard,
  route: PreparedRequest,
  secret: string | undefined,
  customGetKey: boolean,
): Acceptance | undefined {
  if (secret === undefined || route.metered) return undefined;
  const { failureMode, options } = guard.verifier;
  return {
    secret,
    sources: guard.sources,
    bindingOf: createBinder(guard, customGetKey),
    failureMode,
    servesStale: options.staleIfErrorMs > 0,
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
 * A fail-open pass (no key was verified) is taken only by a route that would itself fail
 * open, and a stale answer (an expired entry served during an outage) only by a route that
 * would itself serve stale (`staleIfErrorMs > 0`): any other route answers such a request
 * 503 on its own, and a hand-off never lets in more than the route would.
 */
function wouldServe(context: KeyContext, accepts: Acceptance): boolean {
  if (context.source === "fail-open") return accepts.failureMode === "open";
  if (context.source === "stale") return accepts.servesStale;
  return true;
}
