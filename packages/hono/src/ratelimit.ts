import type {
  IdentifyHelpers,
  IpOptions,
  Ratelimiter,
  RatelimitGroup,
  RatelimitGroupMiddlewareOptions,
  RatelimitLimitMiddlewareOptions,
} from "@keyguard/core";
import { createRatelimitGuard, identifyHelpers } from "@keyguard/core/adapter";
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { GetConnInfo } from "./client-address";
import { addAllowHeaders, admit, createRefuse } from "./respond";

/** Options of `ratelimit()`: the rate limiter's options (or a shared `ratelimiter`), `identifier` and `cost`. */
export type RatelimitHonoOptions = RatelimitLimitMiddlewareOptions<Context>;

/** Options of `ratelimit({ limits })`: several limits checked in one call, all or nothing. */
export type RatelimitGroupHonoOptions = RatelimitGroupMiddlewareOptions<Context>;

/** A Hono rate-limit middleware; `ratelimiter` is its rate limiter, to share with other routes. */
export type RatelimitMiddleware = MiddlewareHandler & { readonly ratelimiter: Ratelimiter };

/** A Hono middleware of several limits; `ratelimiter` is its group. */
export type RatelimitGroupMiddleware = MiddlewareHandler & { readonly ratelimiter: RatelimitGroup };

/**
 * Ready-made identifiers: `identify.ip(getConnInfo)` (the address your
 * runtime's `getConnInfo` reports: the socket's, so behind a proxy use
 * `identify.header(…)` on the header your proxy sets; IPv6 grouped by /64,
 * `{ ipv6Subnet }` to change it), `identify.keyId()`
 * (the key `unkey()` let in), `identify.header(name)`, `identify.compound(...)`.
 *
 * @example
 * ```ts
 * import { getConnInfo } from "@hono/node-server/conninfo";
 * app.post("/login", ratelimit({ namespace: "auth.login", limit: 5, duration: 60_000, identifier: identify.ip(getConnInfo) }), login);
 * ```
 */
export const identify: Omit<IdentifyHelpers<Context>, "ip"> & {
  ip(getConnInfo: GetConnInfo, options?: IpOptions): ReturnType<IdentifyHelpers<Context>["ip"]>;
} = /* @__PURE__ */ (() => {
  const withoutIp = identifyHelpers<Context>({
    ip: () => undefined,
    header: (c, name) => c.req.header(name),
    keyId: (c) => c.get("unkey")?.keyId,
  });
  const ip = (getConnInfo: GetConnInfo, options?: IpOptions) => {
    if (typeof getConnInfo !== "function")
      throw new TypeError("identify.ip(getConnInfo): pass your runtime's getConnInfo helper.");
    return identifyHelpers<Context>({
      ip: (c) => getConnInfo(c).remote.address,
      header: () => undefined,
      keyId: () => undefined,
    }).ip(options);
  };
  return { ...withoutIp, ip };
})();

/**
 * Hono middleware that rate-limits with Unkey's `ratelimit.limit`, for routes a
 * key cannot protect (login, sign-up, public endpoints by IP) and per route on
 * top of a key. Allowed responses carry `RateLimit-Policy` and `RateLimit` (the
 * namespace's policy); refused requests get 429 problem+json (`quota-exceeded`) with
 * `Retry-After`; Unkey down is 503
 * (or a pass flagged `x-keyguard-fail-open: true` under `failureMode: "open"`).
 * An identifier that is missing or that Unkey would refuse is thrown to `app.onError`.
 *
 * @example
 * ```ts
 * app.post("/signup", ratelimit({ namespace: "auth.signup", limit: 3, duration: 3_600_000, identifier: identify.header("cf-connecting-ip") }), signup);
 * ```
 */
export function ratelimit(options: RatelimitGroupHonoOptions): RatelimitGroupMiddleware;
export function ratelimit(options: RatelimitHonoOptions): RatelimitMiddleware;
export function ratelimit(
  options: RatelimitHonoOptions | RatelimitGroupHonoOptions,
): RatelimitMiddleware | RatelimitGroupMiddleware {
  const guard = createRatelimitGuard<Context>(options);
  const refuse = createRefuse({});
  const middleware = createMiddleware(async (c, next) => {
    const decision = await guard.check(c);
    if (!decision.allowed) return refuse(decision, c);
    admit(decision, c);
    await next();
    addAllowHeaders(decision, c);
  });
  return Object.assign(middleware, { ratelimiter: guard.ratelimiter }) as
    | RatelimitMiddleware
    | RatelimitGroupMiddleware;
}
