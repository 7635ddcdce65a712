import {
  evaluatePermissionQuery,
  type PermissionQuery,
  PermissionQuerySyntaxError,
  parsePermissionQuery,
} from "@keyguard/core";
import type { Context } from "./context";
import { rootAllows } from "./context";
import { applyRefill } from "./credits";
import { ApiError } from "./errors";
import { hashKey } from "./resources";
import type { Body } from "./schemas";
import type { KeyRecord, RatelimitRecord } from "./state";
import { identityView, keyPermissions, keyRoles } from "./views";

/** One entry of the answer's `ratelimits[]`, as Unkey's `VerifyKeyRatelimitData`. */
export interface VerifyRatelimit {
  exceeded: boolean;
  id: string;
  name: string;
  limit: number;
  duration: number;
  reset: number;
  remaining: number;
  autoApply: boolean;
}

const queryCache = new Map<string, PermissionQuery>();

// Parsed queries are memoized (bounded) because the same few route queries
// arrive on every verification.
function parseQuery(query: string): PermissionQuery {
  let parsed = queryCache.get(query);
  if (parsed) return parsed;
  try {
    parsed = parsePermissionQuery(query);
  } catch (error) {
    if (error instanceof PermissionQuerySyntaxError) {
      throw new ApiError(
        400,
        "https://unkey.com/docs/api-reference/errors-v2/user/bad_request/permissions_query_syntax_error",
        `Syntax error in permission query: ${error.reason}`,
        [{ location: "body.permissions", message: error.reason }],
      );
    }
    throw error;
  }
  if (queryCache.size >= 1000) queryCache.clear();
  queryCache.set(query, parsed);
  return parsed;
}

interface PlannedLimit {
  record: RatelimitRecord;
  bucket: string;
  limit: number;
  duration: number;
  cost: number;
}

function planRatelimits(
  ctx: Context,
  key: KeyRecord,
  requested: Body<"keys.verifyKey">["ratelimits"],
): PlannedLimit[] {
  const identity = key.identityId ? ctx.state.identities.get(key.identityId) : undefined;
  const find = (name: string) => {
    const onKey = key.ratelimits.find((rl) => rl.name === name);
    if (onKey) return { record: onKey, bucket: `k:${key.id}:${name}` };
    const onIdentity = identity?.ratelimits.find((rl) => rl.name === name);
    if (onIdentity && identity) return { record: onIdentity, bucket: `i:${identity.id}:${name}` };
    return undefined;
  };
  const planned = new Map<string, PlannedLimit>();
  // Auto-applied limits of the key win over the identity's of the same name.
  const auto = [...key.ratelimits, ...(identity?.ratelimits ?? [])];
  for (const rl of auto) {
    if (!rl.autoApply || planned.has(rl.name)) continue;
    const found = find(rl.name);
    if (found) planned.set(rl.name, { ...found, limit: rl.limit, duration: rl.duration, cost: 1 });
  }
  for (const request of requested ?? []) {
    const found = find(request.name);
    if (!found) {
      if (request.limit === undefined || request.duration === undefined) {
        throw new ApiError(
          412,
          "unkey/application/precondition_failed",
          `The ratelimit "${request.name}" does not exist on the key or its identity; pass limit and duration to apply it ad hoc.`,
        );
      }
      planned.set(request.name, {
        record: {
          id: `adhoc_${request.name}`,
          name: request.name,
          limit: request.limit,
          duration: request.duration,
          autoApply: false,
        },
        bucket: `k:${key.id}:${request.name}`,
        limit: request.limit,
        duration: request.duration,
        cost: request.cost ?? 1,
      });
      continue;
    }
    planned.set(request.name, {
      ...found,
      limit: request.limit ?? found.record.limit,
      duration: request.duration ?? found.record.duration,
      cost: request.cost ?? 1,
    });
  }
  return [...planned.values()];
}

/**
 * `keys.verifyKey` with Unkey's order of checks: lookup, root-key rights,
 * enabled, expiry, permission query, rate limits, then credits (deducted only
 * when everything else passed). Every outcome is a 200 answer.
 */
export function verifyKey(ctx: Context, body: Body<"keys.verifyKey">) {
  // Syntax errors are the caller's mistake whatever the key: answer 400 first.
  const query = body.permissions !== undefined ? parseQuery(body.permissions) : undefined;
  const key = ctx.state.keysByHash.get(hashKey(body.key));
  if (!key) return { data: { valid: false, code: "NOT_FOUND" } };

  const now = ctx.now();
  const permissions = keyPermissions(ctx.state, key);
  const identity = key.identityId ? ctx.state.identities.get(key.identityId) : undefined;
  const data: Record<string, unknown> & { valid: boolean; code: string } = {
    valid: false,
    code: "VALID",
    keyId: key.id,
  };
  if (key.name !== undefined) data.name = key.name;
  if (key.meta !== undefined) data.meta = key.meta;
  if (key.expires !== undefined) data.expires = key.expires;
  if (key.credits && applyRefill(key.credits, now)) ctx.changed();
  if (key.credits && key.credits.remaining !== null) data.credits = key.credits.remaining;
  data.enabled = key.enabled;
  data.permissions = permissions;
  data.roles = keyRoles(ctx.state, key);
  if (identity) data.identity = identityView(identity);

  const answer = (code: string) => {
    data.code = code;
    data.valid = code === "VALID";
    return { data };
  };

  if (!rootAllows(ctx.root, ["api.*.verify_key", `api.${key.apiId}.verify_key`])) {
    return answer("FORBIDDEN");
  }
  if (!key.enabled) return answer("DISABLED");
  if (key.expires !== undefined && key.expires <= now) return answer("EXPIRED");
  if (query && !evaluatePermissionQuery(query, permissions)) {
    return answer("INSUFFICIENT_PERMISSIONS");
  }

  const plan = planRatelimits(ctx, key, body.ratelimits);
  if (plan.length > 0) {
    const results: VerifyRatelimit[] = [];
    let exceeded = false;
    for (const p of plan) {
      const result = ctx.limiter.peek(p.bucket, p.limit, p.duration, p.cost, now);
      if (!result.success) exceeded = true;
      results.push({
        exceeded: !result.success,
        id: p.record.id,
        name: p.record.name,
        limit: p.limit,
        duration: p.duration,
        reset: result.reset,
        remaining: result.remaining,
        autoApply: p.record.autoApply,
      });
    }
    data.ratelimits = results;
    if (exceeded) {
      // All or nothing: a refused request consumes none of its limits.
      results.forEach((r, i) => {
        if (!r.exceeded) r.remaining += plan[i]?.cost ?? 0;
      });
      return answer("RATE_LIMITED");
    }
    for (const p of plan) ctx.limiter.consume(p.bucket, p.duration, p.cost, now);
  }

  const credits = key.credits;
  if (credits && credits.remaining !== null) {
    const cost = body.credits?.cost ?? 1;
    if (credits.remaining < cost) return answer("USAGE_EXCEEDED");
    if (cost > 0) {
      credits.remaining -= cost;
      data.credits = credits.remaining;
      ctx.changed();
    }
  }
  key.lastUsedAt = now;
  return answer("VALID");
}
