import { distinctNames, policyName } from "../decision/policy-name";
import { KeyguardConfigError, RatelimitIdentifierError, VerifierError } from "../errors";
import { rejectUnknownOptions } from "../options/option-names";
import {
  CURRENT_DRAFT_ONLY,
  type RatelimitHeaderSets,
  type RatelimitHeadersOption,
  resolveRatelimitHeaders,
} from "../options/ratelimit-header-options";
import type { Identify } from "./identify";
import {
  FAILED_OPEN,
  fromQuotas,
  fromRatelimitFailure,
  fromUnidentified,
  quotaOf,
  type RatelimitDecision,
  type RatelimitPolicy,
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
  /** Rate-limit header fields, as the key guard's option. @default "draft-09" */
  ratelimitHeaders?: RatelimitHeadersOption | undefined;
};

/**
 * The index of the limit that refused a group's call: the first that says so, else (a
 * refusal no limit owns up to) the one with the least room left.
 */
function refusing(limits: readonly RatelimitResponse[]): number {
  const refused = limits.findIndex((limit) => !limit.success);
  if (refused !== -1) return refused;
  let least = 0;
  limits.forEach((limit, i) => {
    if (limit.remaining < (limits[least] as RatelimitResponse).remaining) least = i;
  });
  return least;
}

/**
 * The decision for a group's answer: one policy per limit (its namespace; a repeat is
 * `name#2`), in the group's order, and `violated-policies` naming those that refused.
 */
export function fromRatelimitGroup(
  response: RatelimitGroupResponse,
  policies: readonly RatelimitPolicy[] = [],
  sets: RatelimitHeaderSets = CURRENT_DRAFT_ONLY,
  now = Date.now(),
): RatelimitDecision {
  if (response.source === "fail-open") return FAILED_OPEN;
  const names = distinctNames(
    response.limits.map((_, i) => policyName(policies[i]?.name ?? "default")),
  );
  const refused = response.success ? -1 : refusing(response.limits);
  const states = response.limits.map((limit, i) => ({
    ...quotaOf(limit, names[i] as string, policies[i]?.windowMs, now),
    exceeded: !limit.success || i === refused,
  }));
  return fromQuotas(states, response.success, now, sets);
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
  const { limits, ratelimitHeaders, ...rest } = options;
  if (Array.isArray(limits)) checkIdentifiers(limits);
  const sets = resolveRatelimitHeaders(ratelimitHeaders);
  const group = createRatelimitGroup({
    ...rest,
    limits: Array.isArray(limits)
      ? limits.map(({ namespace, limit, duration }) => ({ namespace, limit, duration }))
      : (limits as never),
  });
  const policies: RatelimitPolicy[] = limits.map(({ namespace, duration }) => ({
    name: namespace,
    windowMs: duration,
  }));
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
      return fromRatelimitGroup(await group.limit(checks), policies, sets);
    } catch (error) {
      if (error instanceof RatelimitIdentifierError) throw error;
      return fromRatelimitFailure(error);
    }
  }
  return { group, check };
}
