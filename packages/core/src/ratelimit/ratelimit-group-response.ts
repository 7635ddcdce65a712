import {
  parseRatelimitData,
  type RatelimitResponse,
  type RatelimitSource,
} from "./ratelimit-response";

/** The outcome of one call of a rate-limit group: all limits passed, or none was counted. */
export interface RatelimitGroupResponse {
  /** Whether every limit passed; when one fails, Unkey counts none of them (all or nothing). */
  readonly success: boolean;
  /** One answer per limit, in the group's order (`success` is that limit's own verdict). */
  readonly limits: readonly RatelimitResponse[];
  readonly source: RatelimitSource;
  /** Unkey's `meta.requestId` when this answer is Unkey's own. */
  readonly requestId?: string | undefined;
}

/**
 * Turns the `data` of a `ratelimit.multiLimit` 200 answer
 * (svc/api/routes/v2_ratelimit_multi_limit/handler.go) into a frozen group response, or
 * `undefined` when it is not one.
 */
export function parseMultiLimitData(
  data: unknown,
  requestId: string | undefined,
): RatelimitGroupResponse | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { passed, limits } = data as Record<string, unknown>;
  if (typeof passed !== "boolean" || !Array.isArray(limits) || limits.length === 0)
    return undefined;
  const parsed = limits.map((limit) => parseRatelimitData(limit, requestId, "passed"));
  if (parsed.some((limit) => limit === undefined)) return undefined;
  return Object.freeze({
    success: passed,
    limits: Object.freeze(parsed as RatelimitResponse[]),
    source: "upstream",
    requestId,
  });
}
