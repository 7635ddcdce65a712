import { CODES } from "./codes";
import type { Context } from "./context";
import { rootGrants } from "./context";
import { applyRefill } from "./credits";
import { ApiError } from "./errors";
import { checkPermissionQuery } from "./permission-query-check";
import {
  type PermissionQuery,
  PermissionQuerySyntaxError,
  parsePermissionQuery,
} from "./permission-query-parser";
import { keyPlace } from "./resources";
import { rights } from "./rights";
import type { Body } from "./schemas";
import type { KeyRecord } from "./state";
import { findKeyToVerify } from "./verify-migrated";
import { applyRatelimits, mergeRatelimits, type VerifyRatelimit } from "./verify-ratelimits";
import { verifyData } from "./verify-response";
import { keyPermissions, keyRoles } from "./views";

// A NOT_FOUND answer carries nothing else: no key id, no key data.
const NOT_FOUND = { data: { valid: false, code: "NOT_FOUND" } };

const queryCache = new Map<string, PermissionQuery>();

// Parsed queries are memoized (bounded) because the same few route queries
// arrive on every verification.
function parseQuery(query: string): PermissionQuery {
  let parsed = queryCache.get(query);
  if (parsed) return parsed;
  try {
    parsed = parsePermissionQuery(query);
  } catch (error) {
    if (!(error instanceof PermissionQuerySyntaxError)) throw error;
    throw new ApiError(400, CODES.permissionsQuerySyntaxError, error.message);
  }
  if (queryCache.size >= 1000) queryCache.clear();
  queryCache.set(query, parsed);
  return parsed;
}

// internal/services/keys/get.go: disabled first, then expired (strictly after
// `expires`: a key is still valid at the very millisecond it expires).
function statusOf(key: KeyRecord, now: number): string {
  if (!key.enabled) return "DISABLED";
  if (key.expires !== undefined && now > key.expires) return "EXPIRED";
  return "VALID";
}

// internal/services/usagelimiter/limit.go: cost 0 always passes; a refusal
// deducts nothing; a pass deducts, floored at 0.
function spendCredits(ctx: Context, key: KeyRecord, cost: number): boolean {
  const credits = key.credits;
  if (!credits || credits.remaining === null) return true;
  if (cost > 0 && credits.remaining < cost) return false;
  credits.remaining = Math.max(0, credits.remaining - cost);
  if (cost > 0) ctx.changed();
  return true;
}

/**
 * `keys.verifyKey` in the order of unkeyed/unkey
 * svc/api/routes/v2_keys_verify_key/handler.go: lookup (unknown → NOT_FOUND;
 * with a `migrationId`, a migrated key by its imported hash),
 * root-key rights for the key's API (missing → NOT_FOUND, so that a foreign
 * root key learns nothing), permission-query syntax (400), then the key's own
 * state (disabled, expired), the permission query, rate limits and credits,
 * each check running only while the key is still valid.
 */
export function verifyKey(ctx: Context, body: Body<"keys.verifyKey">) {
  const key = findKeyToVerify(ctx, body.key, body.migrationId);
  if (!key) return NOT_FOUND;
  if (!rootGrants(ctx.root, rights.verifyKey(ctx.root.workspaceId, keyPlace(ctx.state, key)))) {
    return NOT_FOUND;
  }
  const query = body.permissions !== undefined ? parseQuery(body.permissions) : undefined;

  const now = ctx.now();
  if (key.credits && applyRefill(key.credits, now)) ctx.changed();
  const identity = key.identityId ? ctx.state.identities.get(key.identityId) : undefined;
  const permissions = keyPermissions(ctx.state, key);
  const merged = mergeRatelimits(key, identity);
  let code = statusOf(key, now);
  let ratelimits: VerifyRatelimit[] | undefined;
  let credits = key.credits?.remaining ?? undefined;

  if (code === "VALID" && query && !checkPermissionQuery(query, new Set(permissions)).valid) {
    code = "INSUFFICIENT_PERMISSIONS";
  }
  if (code === "VALID") {
    ratelimits = applyRatelimits(ctx, key, identity, merged, body.ratelimits);
    if (ratelimits?.some((r) => r.exceeded)) code = "RATE_LIMITED";
  }
  if (code === "VALID") {
    // The default cost of 1 applies only to keys with credits (handler.go). A
    // refusal reports the credits left, unchanged (usagelimiter/redis.go lines
    // 224-226: "return actual current count").
    if (!spendCredits(ctx, key, body.credits?.cost ?? 1)) code = "USAGE_EXCEEDED";
    credits = key.credits?.remaining ?? undefined;
  }
  if (code === "VALID") key.lastUsedAt = now;
  const roles = keyRoles(ctx.state, key);
  return {
    data: verifyData({ code, key, identity, permissions, roles, credits, merged, ratelimits }),
  };
}
