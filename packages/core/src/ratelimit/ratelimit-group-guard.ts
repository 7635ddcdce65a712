import { KeyguardConfigError, RatelimitIdentifierError, VerifierError } from "../errors";
import { rejectUnknownOptions } from "../options/option-names";
import type { Identify } from "./identify";
import {
  fromRatelimit,
  fromRatelimitFailure,
  fromUnidentified,
  type RatelimitDecision,
} from "./ratelimit-decision";
import {
  createRatelimitGroup,
  GROUP_LIMIT_NAMES,
  type GroupLimit,
  type RatelimitGroup,
  type RatelimitGroupOptions,
} from "./ratelimit-group";
import type { RatelimitGroupResponse } from "./ratelimit-group-response";
import { checkCost } from "./ratelimit-options";
import type { RatelimitResponse } from "./ratelimit-response";
import { checkIdentifier } from "./ratelimiter";

/** One limit of a group middleware: its namespace, limit, window, and how a request is identified for it. */
export interface GroupMiddlewareLimit<R> extends GroupLimit {
  /** How a request is identified for this limit: `identify.ip()`, `identify.keyId()`, or your function. */
  readonly identifier: Identify<R>;
  /** Units each request consumes of this limit. @default 1 */
  readonly cost?: number | undefined;
}

/**
 * Options of a rate-limit middleware with several limits: all are checked in one
 * `ratelimit.multiLimit` call per request, all or nothing, as Unkey does.
 */
export type RatelimitGroupMiddlewareOptions<R> = Omit<RatelimitGroupOptions, "limits"> & {
  limits: readonly GroupMiddlewareLimit<R>[];
};

/**
 * The limit a decision reports: the first that refused, else the one with the least room
 * left (what a client should pace itself by).
 */
function reported(response: RatelimitGroupResponse): RatelimitResponse {
  const { limits } = response;
  const refused = limits.find((limit) => !limit.success);
  if (!response.success && refused !== undefined) return refused;
  let least = limits[0] as RatelimitResponse;
  for (const limit of limits) if (limit.remaining < least.remaining) least = limit;
  return least;
}

/** The decision for a group's answer, with the reported limit's headers. */
export function fromRatelimitGroup(response: RatelimitGroupResponse): RatelimitDecision {
  return fromRatelimit({
    ...reported(response),
    success: response.success,
    source: response.source,
  });
}

function checkIdentifiers<R>(limits: readonly GroupMiddlewareLimit<R>[]): void {
  limits.forEach((limit, i) => {
    if (typeof limit === "object" && limit !== null) {
      // Each entry's names, as every option's: a typo (`costt`) is never silently ignored.
      rejectUnknownOptions(limit, [...GROUP_LIMIT_NAMES, "identifier", "cost"], `limits[${i}].`);
      checkCost(`limits[${i}].cost`, limit.cost, 1);
    }
    if (typeof limit?.identifier !== "function")
      throw new KeyguardConfigError(
        `limits[${i}].identifier`,
        "expected a function of the request, e.g. identify.ip() or (req) => req.user.id.",
      );
  });
}

/** A route of a group guard: the group's limits as they are (no per-route options). */
export function refuseRouteOptions(given: unknown, prefix: string): void {
  if (given === undefined) return;
  if (typeof given === "object" && given !== null && Object.keys(given).length === 0) return;
  // The prefix ends with ": " (`@Ratelimit() on Auth.login: `); the option is what it names.
  throw new KeyguardConfigError(
    // The prefix ends in "." (`config.ratelimit.`): the option is the object itself.
    prefix ? prefix.slice(0, -1) : "route",
    "a rate limit with `limits` takes each limit's identifier and cost in `limits`; per-route options do not apply to it.",
  );
}

/** The group and how to check one request with it: identifiers computed, one call, one decision. */
export function createGroupCheck<R>(options: RatelimitGroupMiddlewareOptions<R>): {
  group: RatelimitGroup;
  check(request: R): Promise<RatelimitDecision>;
} {
  const { limits, ...rest } = options;
  if (Array.isArray(limits)) checkIdentifiers(limits);
  const group = createRatelimitGroup({
    ...rest,
    limits: Array.isArray(limits)
      ? limits.map(({ namespace, limit, duration }) => ({ namespace, limit, duration }))
      : (limits as never),
  });
  async function check(request: R): Promise<RatelimitDecision> {
    let checks: { identifier: string; cost: number | undefined }[];
    try {
      const identifiers = await Promise.all(limits.map((limit) => limit.identifier(request)));
      checks = identifiers.map((identifier, i) => ({
        identifier: checkIdentifier(identifier),
        cost: limits[i]?.cost,
      }));
    } catch (error) {
      if (error instanceof VerifierError)
        return fromUnidentified(error, options.failureMode ?? "closed");
      throw error;
    }
    try {
      return fromRatelimitGroup(await group.limit(checks));
    } catch (error) {
      if (error instanceof RatelimitIdentifierError) throw error;
      return fromRatelimitFailure(error);
    }
  }
  return { group, check };
}
