import { authorize } from "../decision/authorize";
import type { Decision } from "../decision/decision";
import { deny } from "../decision/denials";
import { issuerOf } from "../decision/issuer";
import type { PreparedRequest } from "../options/verify-request";
import type { KeyContext, Logger } from "../types";
import { routeSummary } from "./guard-name";
import { withoutQuery } from "./url-path";

/** Where a second guard met a request, for its log line (the path is logged without its query). */
export interface SecondGuardRequest {
  readonly method: string;
  readonly path: string;
  /** The route's pattern (e.g. `/docs/:id`), for telemetry, when the adapter knows it. */
  readonly route?: string | undefined;
}

/** How an adapter names a guard, for the refusal that involves two of them. */
export interface GuardNaming {
  /** The guard as its user wrote it (`unkey({ cost: 5 })`); every context it lets in carries it. */
  readonly name: string;
  /** What to do about a route that two guards verify, in the framework's own terms. */
  readonly fixTwice: string;
}

/**
 * What a guard decides, without verifying again, for a request that an earlier keyguard
 * guard already let in. Unkey deducts a key's credits and counts its auto-applied rate
 * limits on every verification (Unkey's `keys.verifyKey`: internal/services/usagelimiter,
 * internal/services/ratelimit), so a second verification charges the request twice:
 * - a route that asks only for permissions (or tags, which are analytics) is checked
 *   locally against the context already there, as `requirePermissions()` does;
 * - a route with a `cost` or `ratelimits` could only be honoured by reaching Unkey again:
 *   500 `GUARDED_TWICE`, whose detail and one log line name both guards and the fix.
 * `undefined` when `prior` is not a context a keyguard guard issued: verify as usual.
 */
export function secondGuard(naming: GuardNaming, logger: Logger) {
  let logged = false;
  return (
    prior: KeyContext,
    route: PreparedRequest,
    request: SecondGuardRequest,
  ): Decision | undefined => {
    const first = issuerOf(prior);
    if (first === undefined) return undefined;
    if (!route.metered) return authorize(prior, route);
    const detail = `This request was verified by ${first}, then reached ${naming.name}, which would verify the key again for this route's ${routeSummary(route)} and charge its credits and rate limits twice. ${naming.fixTwice}`;
    if (!logged) {
      logged = true;
      logger.error(
        `[keyguard] ${request.method} ${withoutQuery(request.path)}: ${detail} Answered 500 GUARDED_TWICE.`,
      );
    }
    return deny("GUARDED_TWICE", { detail });
  };
}
