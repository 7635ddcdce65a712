import { KeyguardConfigError } from "../errors";
import {
  MAX_PERMISSION_QUERY_LENGTH,
  type PermissionQuery,
  parsePermissionQuery,
  printPermissionQuery,
} from "../permissions/permission-query";
import type { RatelimitRequest, VerifyRequest } from "../types";
import { rejectUnknownOptions } from "./option-names";

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

export const EMPTY_REQUEST: PreparedRequest = /* @__PURE__ */ Object.freeze({
  query: undefined,
  querySource: undefined,
  tags: undefined,
  cost: undefined,
  ratelimits: undefined,
  metered: false,
});

// Filled at construction, not by a statement: a bundle that never prepares a request drops it.
const prepared = /* @__PURE__ */ new WeakSet<object>([EMPTY_REQUEST]);

/** Unkey's bounds on a verification request (svc/api/openapi/spec/paths/v2/keys/verifyKey/*.yaml). */
export const UNKEY_LIMITS = /* @__PURE__ */ Object.freeze({
  tags: 20,
  tagLength: 512,
  ratelimitName: [3, 255] as const,
  cost: 1_000_000_000_000,
});

const isWhole = (value: unknown, max = Number.MAX_SAFE_INTEGER): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;

function compileQuery(
  permissions: VerifyRequest["permissions"],
  option: string,
): { query: PermissionQuery; source: string } | undefined {
  if (permissions === undefined) return undefined;
  let query: PermissionQuery;
  try {
    query = typeof permissions === "string" ? parsePermissionQuery(permissions) : permissions;
    // A hand-built tree is printed and parsed again, so it is held to the same grammar.
    if (typeof permissions !== "string") query = parsePermissionQuery(printPermissionQuery(query));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KeyguardConfigError(option, reason, { cause: error });
  }
  // What is sent is what was written (a string), or the printed tree; Unkey's limit applies to it.
  const source = typeof permissions === "string" ? permissions : printPermissionQuery(query);
  if (source.length > MAX_PERMISSION_QUERY_LENGTH) {
    throw new KeyguardConfigError(
      option,
      `the query sent to Unkey would be ${source.length} characters; Unkey accepts at most ${MAX_PERMISSION_QUERY_LENGTH}.`,
    );
  }
  return { query, source };
}

function checkTags(tags: unknown, option: string): void {
  if (tags === undefined) return;
  const { tags: most, tagLength } = UNKEY_LIMITS;
  if (
    !Array.isArray(tags) ||
    tags.length > most ||
    tags.some((t) => typeof t !== "string" || t.length === 0 || t.length > tagLength)
  ) {
    throw new KeyguardConfigError(
      option,
      `expected at most ${most} non-empty strings of up to ${tagLength} characters.`,
    );
  }
}

function checkRatelimit(limit: unknown, at: string): void {
  const [shortest, longest] = UNKEY_LIMITS.ratelimitName;
  const { name } = (limit ?? {}) as RatelimitRequest;
  if (typeof limit !== "object" || limit === null || typeof name !== "string") {
    throw new KeyguardConfigError(`${at}.name`, "expected a string.");
  }
  if (name.length < shortest || name.length > longest) {
    throw new KeyguardConfigError(
      `${at}.name`,
      `expected ${shortest} to ${longest} characters, as Unkey requires; got ${name.length}.`,
    );
  }
  rejectUnknownOptions(limit, RATELIMIT_FIELDS, `${at}.`);
  const fields = limit as RatelimitRequest;
  for (const field of ["cost", "limit", "duration"] as const) {
    if (fields[field] !== undefined && !isWhole(fields[field])) {
      throw new KeyguardConfigError(
        `${at}.${field}`,
        `expected a whole number ≥ 0, got ${String(fields[field])}.`,
      );
    }
  }
  // Unkey applies an override only when both are given, and silently ignores one alone.
  if ((fields.limit === undefined) !== (fields.duration === undefined)) {
    throw new KeyguardConfigError(
      `${at}.${fields.limit === undefined ? "limit" : "duration"}`,
      "`limit` and `duration` go together: Unkey ignores one without the other.",
    );
  }
  // Unkey's rate limiter refuses a limit below 1 or a window under 1 s, and the
  // verification then goes on with no rate limit checked at all, the key's own
  // included (internal/services/ratelimit/ratelimit.go, RatelimitMany).
  if (fields.limit !== undefined && fields.limit < 1) {
    throw new KeyguardConfigError(
      `${at}.limit`,
      "expected at least 1: Unkey would skip every rate limit of the request for a limit of 0.",
    );
  }
  if (fields.duration !== undefined && fields.duration < 1000) {
    throw new KeyguardConfigError(
      `${at}.duration`,
      `expected at least 1000 (ms): Unkey would skip every rate limit of the request for a window under 1 s, got ${fields.duration}.`,
    );
  }
}

const RATELIMIT_FIELDS = ["name", "cost", "limit", "duration"] as const;

/**
 * A {@link PreparedRequest} compiled by another copy of this module, as the options it was
 * compiled from. Two copies share verifiers where a bundler gives each entry its own copy
 * of the core but one process runs them (Next.js 16's proxy.ts beside its route handlers):
 * read as a `VerifyRequest`, such a route has no `permissions`, `cost` or `ratelimits`, and
 * every valid key would pass it.
 */
function foreignPrepared(request: object): VerifyRequest | undefined {
  if (!("querySource" in request && "metered" in request)) return undefined;
  const { querySource, tags, cost, ratelimits } = request as PreparedRequest;
  return { permissions: querySource, tags, cost, ratelimits };
}

/**
 * Validates and compiles verification options (a route's `permissions`, `tags`,
 * `cost`, `ratelimits`) against Unkey's own bounds. Throws a
 * {@link KeyguardConfigError} naming the option (with `prefix`, e.g.
 * `route GET /x: config.unkey.`) so that what Unkey would refuse with a 400 on
 * every cache miss surfaces at start-up instead.
 */
export function prepareRequest(request: VerifyRequest | undefined, prefix = ""): PreparedRequest {
  if (request === undefined) return EMPTY_REQUEST;
  if (prepared.has(request)) return request as unknown as PreparedRequest;
  if (typeof request !== "object" || request === null) {
    throw new KeyguardConfigError(prefix || "request", "expected an object.");
  }
  const { permissions, tags, cost, ratelimits } = foreignPrepared(request) ?? request;
  const compiled = compileQuery(permissions, `${prefix}permissions`);
  checkTags(tags, `${prefix}tags`);
  if (cost !== undefined && !isWhole(cost, UNKEY_LIMITS.cost)) {
    throw new KeyguardConfigError(
      `${prefix}cost`,
      `expected a whole number from 0 to ${UNKEY_LIMITS.cost} (Unkey's limit), got ${String(cost)}.`,
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
      checkRatelimit(limit, `${prefix}ratelimits[${i}]`);
    });
  }
  const result: PreparedRequest = Object.freeze({
    query: compiled?.query,
    querySource: compiled?.source,
    tags: tags === undefined ? undefined : Object.freeze([...tags]),
    cost,
    ratelimits:
      ratelimits === undefined ? undefined : Object.freeze(ratelimits.map((r) => ({ ...r }))),
    metered: cost !== undefined || (ratelimits !== undefined && ratelimits.length > 0),
  });
  prepared.add(result);
  return result;
}
