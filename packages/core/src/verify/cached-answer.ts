import type { PreparedRequest } from "../options/verify-request";
import { holds, type PermissionQuery } from "../permissions/permission-query";
import type { VerifyResult } from "../types";
import { type CacheEntry, NEGATIVE_CODES } from "./cache";
import type { SharedAnswer } from "./inflight";

/** The answer for a value that cannot be a key: refused locally, never sent, never cached. */
export const MALFORMED: VerifyResult = /* @__PURE__ */ Object.freeze({
  valid: false,
  code: "MALFORMED_KEY",
  roles: /* @__PURE__ */ Object.freeze([]),
  permissions: /* @__PURE__ */ Object.freeze([]),
  source: "local",
});

/** A frozen copy of an answer with some fields changed. */
export function variant(result: VerifyResult, changes: Partial<VerifyResult>): VerifyResult {
  return Object.freeze({ ...result, ...changes });
}

/**
 * What a cache entry answers for a route's permission query: the route's query is checked
 * locally against the key's permissions, so that one cached verification serves every route.
 */
export function answerFrom(entry: CacheEntry, query: PermissionQuery | undefined): VerifyResult {
  if (query !== undefined && entry.kind === "valid" && !holds(query, entry.granted)) {
    entry.denied ??= variant(entry.result, { valid: false, code: "INSUFFICIENT_PERMISSIONS" });
    return entry.denied;
  }
  return entry.result;
}

/** Whether a cached entry may answer a request: metered requests take only a key's refusal. */
export function serves(entry: CacheEntry, request: PreparedRequest): boolean {
  if (entry.kind === "metered") return false;
  // No credits or limits apply to a key that does not exist, is disabled or expired.
  return !request.metered || (entry.kind === "negative" && NEGATIVE_CODES.has(entry.result.code));
}

/**
 * What a caller who waited on someone else's upstream call may take from its answer
 * (`leaderQuery`: the permission query that call was made with); `undefined` when the
 * caller must ask Unkey itself.
 */
export function shareable(
  shared: SharedAnswer,
  request: PreparedRequest,
  leaderQuery: string | undefined,
): VerifyResult | undefined {
  const { result, entry } = shared;
  if (entry !== undefined && entry.kind !== "metered") return answerFrom(entry, request.query);
  if (NEGATIVE_CODES.has(result.code) || result.code === "FORBIDDEN") return result;
  if (result.code === "INSUFFICIENT_PERMISSIONS" && leaderQuery === request.querySource)
    return result;
  // A metered key (credits, rate limits) or an answer about another query: ask Unkey ourselves.
  return undefined;
}
