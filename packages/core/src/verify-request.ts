import { KeyguardConfigError } from "./errors";
import {
  type PermissionQuery,
  parsePermissionQuery,
  printPermissionQuery,
} from "./permission-query";
import type { RatelimitRequest, VerifyRequest } from "./types";

/** A {@link VerifyRequest} checked and compiled once: what the hot path works with. */
export interface PreparedRequest {
  readonly query: PermissionQuery | undefined;
  /** The query as sent to Unkey (and compared between coalesced callers). */
  readonly querySource: string | undefined;
  readonly tags: readonly string[] | undefined;
  readonly cost: number | undefined;
  readonly ratelimits: readonly RatelimitRequest[] | undefined;
  /** Must reach Unkey on every call: it carries a `cost` or `ratelimits`. */
  readonly metered: boolean;
}

const prepared = new WeakSet<object>();

export const EMPTY_REQUEST: PreparedRequest = Object.freeze({
  query: undefined,
  querySource: undefined,
  tags: undefined,
  cost: undefined,
  ratelimits: undefined,
  metered: false,
});
prepared.add(EMPTY_REQUEST);

const isWhole = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0;

/**
 * Validates and compiles verification options (a route's `permissions`, `tags`,
 * `cost`, `ratelimits`). Throws a {@link KeyguardConfigError} naming the option
 * (with `prefix`, e.g. `route.permissions`) so mistakes surface at start-up.
 */
export function prepareRequest(request: VerifyRequest | undefined, prefix = ""): PreparedRequest {
  if (request === undefined) return EMPTY_REQUEST;
  if (prepared.has(request)) return request as unknown as PreparedRequest;
  if (typeof request !== "object" || request === null) {
    throw new KeyguardConfigError(prefix || "request", "expected an object.");
  }
  const { permissions, tags, cost, ratelimits } = request;
  let query: PermissionQuery | undefined;
  if (permissions !== undefined) {
    try {
      query = typeof permissions === "string" ? parsePermissionQuery(permissions) : permissions;
      // A hand-built tree is printed and parsed again, so it is held to the same grammar.
      if (typeof permissions !== "string")
        query = parsePermissionQuery(printPermissionQuery(query));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new KeyguardConfigError(`${prefix}permissions`, reason, { cause: error });
    }
  }
  if (
    tags !== undefined &&
    (!Array.isArray(tags) ||
      tags.length > 20 ||
      tags.some((t) => typeof t !== "string" || t.length === 0 || t.length > 128))
  ) {
    throw new KeyguardConfigError(
      `${prefix}tags`,
      "expected at most 20 non-empty strings of up to 128 characters.",
    );
  }
  if (cost !== undefined && !isWhole(cost)) {
    throw new KeyguardConfigError(
      `${prefix}cost`,
      `expected a whole number ≥ 0, got ${String(cost)}.`,
    );
  }
  if (ratelimits !== undefined) {
    if (!Array.isArray(ratelimits)) {
      throw new KeyguardConfigError(
        `${prefix}ratelimits`,
        "expected an array of { name, cost?, limit?, duration? }.",
      );
    }
    ratelimits.forEach((limit, i) => {
      const at = `${prefix}ratelimits[${i}]`;
      if (
        typeof limit !== "object" ||
        limit === null ||
        typeof limit.name !== "string" ||
        limit.name === ""
      ) {
        throw new KeyguardConfigError(`${at}.name`, "expected a non-empty string.");
      }
      for (const field of ["cost", "limit", "duration"] as const) {
        if (limit[field] !== undefined && !isWhole(limit[field])) {
          throw new KeyguardConfigError(
            `${at}.${field}`,
            `expected a whole number ≥ 0, got ${String(limit[field])}.`,
          );
        }
      }
    });
  }
  const result: PreparedRequest = Object.freeze({
    query,
    querySource: query === undefined ? undefined : printPermissionQuery(query),
    tags: tags === undefined ? undefined : Object.freeze([...tags]),
    cost,
    ratelimits:
      ratelimits === undefined ? undefined : Object.freeze(ratelimits.map((r) => ({ ...r }))),
    metered: cost !== undefined || (ratelimits !== undefined && ratelimits.length > 0),
  });
  prepared.add(result);
  return result;
}
