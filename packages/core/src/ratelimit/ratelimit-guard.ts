import { KeyguardConfigError, RatelimitIdentifierError, VerifierError } from "../errors";
import { rejectUnknownOptions } from "../options/option-names";
import {
  type RatelimitHeadersOption,
  resolveRatelimitHeaders,
} from "../options/ratelimit-header-options";
import type { Identify } from "./identify";
import {
  fromRatelimit,
  fromRatelimitFailure,
  fromUnidentified,
  type RatelimitDecision,
} from "./ratelimit-decision";
import type { RatelimitGroup } from "./ratelimit-group";
import {
  createGroupCheck,
  type RatelimitGroupMiddlewareOptions,
  refuseRouteOptions,
} from "./ratelimit-group-guard";
import {
  checkCost,
  checkDuration,
  checkLimit,
  RATELIMITER_OPTION_NAMES,
  type RatelimiterOptions,
} from "./ratelimit-options";
import {
  checkIdentifier,
  createRatelimiter,
  type LimitOptions,
  type Ratelimiter,
} from "./ratelimiter";

/** What one route asks of the rate limit: its identifier, cost, and another limit or window. */
export interface RatelimitRouteOptions<R> {
  /** How a request is identified: `identify.ip()`, `identify.keyId()`, or your function. */
  identifier?: Identify<R> | undefined;
  /** Units each request consumes. @default 1 */
  cost?: number | undefined;
  /** Another limit for this route (same namespace: Unkey counts per identifier and duration). */
  limit?: number | undefined;
  /** Another window for this route, in ms. */
  duration?: number | undefined;
}

/**
 * Options of every adapter's rate-limit middleware: the rate limiter's options
 * (or a ready `ratelimiter`, to share its memory), the `identifier` function
 * and the per-request `cost`.
 */
export type RatelimitMiddlewareOptions<R> =
  | RatelimitLimitMiddlewareOptions<R>
  | RatelimitGroupMiddlewareOptions<R>;

/** Options of a rate-limit middleware with one limit. */
export type RatelimitLimitMiddlewareOptions<R> = Partial<RatelimiterOptions> & {
  /** A ready rate limiter from `createRatelimiter()`; then only `limit`/`duration` may override it. */
  ratelimiter?: Ratelimiter | undefined;
  /** How a request is identified: `identify.ip()`, `identify.keyId()`, or your function. */
  identifier: Identify<R>;
  /** Units each request consumes. @default 1 */
  cost?: number | undefined;
  /**
   * Rate-limit header fields: `RateLimit-Policy` and `RateLimit` (`"draft-09"`, the policy
   * named for the namespace), plus draft-06's or `X-RateLimit-*` names for older clients.
   * @default "draft-09"
   */
  ratelimitHeaders?: RatelimitHeadersOption | undefined;
  limits?: undefined;
};

/** A route's options, checked and compiled once. */
export interface PreparedRatelimitRoute<R> {
  readonly identifier: Identify<R>;
  readonly call: LimitOptions;
}

/** The rate-limit guard every adapter wraps. */
export interface RatelimitGuard<R> {
  /** The rate limiter, or the group of limits checked together (`limits`). */
  readonly ratelimiter: Ratelimiter | RatelimitGroup;
  /** Compiles a route's options over the middleware's; throws at start-up on a bad one. */
  route(options?: RatelimitRouteOptions<R>, optionPrefix?: string): PreparedRatelimitRoute<R>;
  /**
   * Decides one request. Rejects (for the framework's error path) when the
   * identifier function throws or gives an identifier Unkey would refuse.
   */
  check(request: R, route?: PreparedRatelimitRoute<R>): Promise<RatelimitDecision>;
}

const ROUTE_NAMES = ["identifier", "cost", "limit", "duration"] as const;
const SHARED_NAMES: readonly string[] = ["ratelimiter", "ratelimitHeaders", ...ROUTE_NAMES];

function checkIdentify(option: string, value: unknown): void {
  if (typeof value !== "function")
    throw new KeyguardConfigError(
      option,
      "expected a function of the request, e.g. identify.ip() or (req) => req.user.id.",
    );
}

/**
 * Checks a route's rate-limit options on their own (names, identifier function,
 * numbers within Unkey's bounds), for a decorator to refuse at start-up; `at`
 * prefixes the option names in errors.
 */
export function checkRatelimitRoute(options: unknown, at = ""): void {
  if (typeof options !== "object" || options === null)
    throw new KeyguardConfigError(at || "options", "expected an object.");
  rejectUnknownOptions(options, ROUTE_NAMES, at);
  const given = options as RatelimitRouteOptions<unknown>;
  if (given.identifier !== undefined) checkIdentify(`${at}identifier`, given.identifier);
  checkCost(`${at}cost`, given.cost, 1);
  checkLimit(`${at}limit`, given.limit, 1);
  checkDuration(`${at}duration`, given.duration, 1000);
}

/** Several limits in one `ratelimit.multiLimit` call per request. */
function groupGuard<R>(options: RatelimitGroupMiddlewareOptions<R>): RatelimitGuard<R> {
  const { group, check } = createGroupCheck(options);
  const route = (given?: RatelimitRouteOptions<R>, prefix = ""): PreparedRatelimitRoute<R> => {
    refuseRouteOptions(given, prefix);
    return GROUP_ROUTE as PreparedRatelimitRoute<R>;
  };
  return { ratelimiter: group, route, check: (request) => check(request) };
}

// What a group guard's routes compile to: the group's own limits (nothing per route).
const GROUP_ROUTE = /* @__PURE__ */ Object.freeze({
  identifier: () => "",
  call: /* @__PURE__ */ Object.freeze({}),
});

function limiterOf<R>(options: RatelimitLimitMiddlewareOptions<R>): Ratelimiter {
  const { ratelimiter, identifier: _i, cost: _c, ratelimitHeaders: _h, ...rest } = options;
  if (ratelimiter === undefined) return createRatelimiter(rest as RatelimiterOptions);
  if (typeof ratelimiter?.limit !== "function")
    throw new KeyguardConfigError(
      "ratelimiter",
      "expected a rate limiter from createRatelimiter().",
    );
  rejectUnknownOptions(options, SHARED_NAMES);
  return ratelimiter;
}

/**
 * Creates the rate-limit guard that every adapter's `ratelimit()` wraps: options
 * checked and the rate limiter built here, once.
 *
 * @example
 * ```ts
 * import { createRatelimitGuard } from "@keyguard/core/adapter";
 *
 * const guard = createRatelimitGuard<Request>({ namespace: "login", limit: 5, duration: 60_000, identifier: ipOf });
 * const decision = await guard.check(request);
 * ```
 */
export function createRatelimitGuard<R>(options: RatelimitMiddlewareOptions<R>): RatelimitGuard<R> {
  if (typeof options !== "object" || options === null)
    throw new KeyguardConfigError("options", "expected an object.");
  if (options.limits !== undefined) return groupGuard(options);
  rejectUnknownOptions(options, [...RATELIMITER_OPTION_NAMES, ...SHARED_NAMES]);
  checkIdentify("identifier", options.identifier);
  const sets = resolveRatelimitHeaders(options.ratelimitHeaders);
  const ratelimiter = limiterOf(options);
  const shared = options.ratelimiter !== undefined;
  const base: RatelimitRouteOptions<R> = {
    identifier: options.identifier,
    cost: options.cost,
    limit: shared ? options.limit : undefined,
    duration: shared ? options.duration : undefined,
  };

  function route(given: RatelimitRouteOptions<R> = {}, prefix = ""): PreparedRatelimitRoute<R> {
    checkRatelimitRoute(given, prefix);
    const identifier = given.identifier ?? base.identifier;
    checkIdentify(`${prefix}identifier`, identifier);
    const { limit, duration } = ratelimiter.options;
    const call: LimitOptions = {
      cost: checkCost(`${prefix}cost`, given.cost ?? base.cost, 1),
      limit: checkLimit(`${prefix}limit`, given.limit ?? base.limit, limit),
      duration: checkDuration(`${prefix}duration`, given.duration ?? base.duration, duration),
    };
    return Object.freeze({ identifier: identifier as Identify<R>, call: Object.freeze(call) });
  }

  const defaultRoute = route();

  async function check(request: R, prepared = defaultRoute): Promise<RatelimitDecision> {
    let identifier: string;
    try {
      identifier = checkIdentifier(await prepared.identifier(request));
    } catch (error) {
      if (error instanceof VerifierError)
        return fromUnidentified(error, ratelimiter.options.failureMode);
      throw error;
    }
    try {
      const policy = { name: ratelimiter.options.namespace, windowMs: prepared.call.duration };
      return fromRatelimit(
        await ratelimiter.limit(identifier, prepared.call),
        Date.now(),
        policy,
        sets,
      );
    } catch (error) {
      if (error instanceof RatelimitIdentifierError) throw error;
      return fromRatelimitFailure(error);
    }
  }

  return { ratelimiter, route, check };
}
