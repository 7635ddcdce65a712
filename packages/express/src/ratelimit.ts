import type {
  IdentifyHelpers,
  Ratelimiter,
  RatelimitGroup,
  RatelimitGroupMiddlewareOptions,
  RatelimitLimitMiddlewareOptions,
} from "@keyguard/core";
import { createRatelimitGuard, identifyHelpers } from "@keyguard/core/adapter";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { createSettle } from "./respond";

/** Options of `ratelimit()`: the rate limiter's options (or a shared `ratelimiter`), `identifier` and `cost`. */
export type RatelimitExpressOptions = RatelimitLimitMiddlewareOptions<Request>;

/** Options of `ratelimit({ limits })`: several limits checked in one call, all or nothing. */
export type RatelimitGroupExpressOptions = RatelimitGroupMiddlewareOptions<Request>;

/** An Express rate-limit middleware; `ratelimiter` is its rate limiter, to share with other routes. */
export type RatelimitMiddleware = RequestHandler & { readonly ratelimiter: Ratelimiter };

/** An Express middleware of several limits; `ratelimiter` is its group. */
export type RatelimitGroupMiddleware = RequestHandler & { readonly ratelimiter: RatelimitGroup };

/**
 * Ready-made identifiers: `identify.ip()` (Express's `req.ip`, which honours
 * `app.set("trust proxy", …)`; IPv6 grouped by /64), `identify.keyId()` (the key `unkey()` let in),
 * `identify.header(name)`, and `identify.compound(...parts)`.
 *
 * @example
 * ```ts
 * // Per key (unkey() first): a header would be the client's to change.
 * ratelimit({ namespace: "api.search", limit: 100, duration: 60_000, identifier: identify.keyId() });
 * ```
 */
export const identify: IdentifyHelpers<Request> = identifyHelpers<Request>({
  ip: (req) => req.ip,
  header: (req, name) => req.get(name),
  keyId: (req) => req.unkey?.keyId,
});

/**
 * Express middleware that rate-limits with Unkey's `ratelimit.limit`, for
 * routes a key cannot protect (login, sign-up, public endpoints by IP) and per
 * route on top of a key. Allowed requests carry `RateLimit-Policy` and `RateLimit`
 * (the namespace's policy); refused ones get 429 problem+json (`quota-exceeded`) with
 * `Retry-After`; Unkey down is 503 (or a
 * pass flagged `x-keyguard-fail-open: true` under `failureMode: "open"`). An
 * identifier that is missing or that Unkey would refuse goes to `next(err)`.
 *
 * @example
 * ```ts
 * app.post("/login", ratelimit({ namespace: "auth.login", limit: 5, duration: 60_000, identifier: identify.ip() }), login);
 * // Several limits, one ratelimit.multiLimit call per request, all or nothing:
 * app.get("/search", ratelimit({ limits: [
 *   { namespace: "api.ip", limit: 100, duration: 60_000, identifier: identify.ip() },
 *   { namespace: "api.key", limit: 10_000, duration: 86_400_000, identifier: identify.keyId() },
 * ] }), search);
 * ```
 */
export function ratelimit(options: RatelimitGroupExpressOptions): RatelimitGroupMiddleware;
export function ratelimit(options: RatelimitExpressOptions): RatelimitMiddleware;
export function ratelimit(
  options: RatelimitExpressOptions | RatelimitGroupExpressOptions,
): RatelimitMiddleware | RatelimitGroupMiddleware {
  const guard = createRatelimitGuard<Request>(options);
  const settle = createSettle({});
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // A throw or rejection (identifier function included) is next(err): never a crash, never a pass.
    try {
      guard.check(req).then((decision) => settle(decision, req, res, next), next);
    } catch (error) {
      next(error);
    }
  };
  return Object.assign(middleware, { ratelimiter: guard.ratelimiter }) as
    | RatelimitMiddleware
    | RatelimitGroupMiddleware;
}
