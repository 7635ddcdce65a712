// ratelimit.limit, transcribed from unkeyed/unkey
// svc/api/routes/v2_ratelimit_limit/handler.go.
import { CODES } from "./codes";
import type { Context, HandlerResult } from "./context";
import { ApiError } from "./errors";
import { applyOverride } from "./override-match";
import { ensureNamespace } from "./ratelimit-namespaces";
import type { Body } from "./schemas";

/**
 * The ratelimiter's assertion (internal/services/ratelimit/ratelimit.go:122-133):
 * a limit under 1, which only an override can bring (setOverride allows 0),
 * makes Unkey's handler fail with a 500 (handler.go:159-167).
 */
export function assertPositiveLimit(limit: number, detail: string): void {
  if (limit < 1) throw new ApiError(500, CODES.unexpectedError, detail);
}

/**
 * Counts one request against `namespace` (by name or id) and `identifier`. An
 * unknown namespace is created on first use, which needs
 * `ratelimit.*.create_namespace`; the limit itself needs `ratelimit.*.limit`
 * or `ratelimit.<namespace id>.limit` (the id, not the name). An override
 * matching the identifier replaces the requested limit and duration
 * (handler.go:124-144), and the answer carries the applied `limit` and the
 * override's id (handler.go:187-198).
 */
export function ratelimitLimit(ctx: Context, body: Body<"ratelimit.limit">): HandlerResult {
  const namespace = ensureNamespace(ctx, body.namespace);
  ctx.require(`ratelimit.${namespace.id}.limit`, "ratelimit.*.limit");
  const applied = applyOverride(ctx.state, namespace.id, body);
  assertPositiveLimit(applied.limit, "We're unable to process the rate limit request.");
  const result = ctx.limiter.limit(
    {
      namespace: `ns:${namespace.id}`,
      identifier: body.identifier,
      limit: applied.limit,
      duration: applied.duration,
      cost: body.cost ?? 1,
    },
    ctx.now(),
  );
  return {
    data: {
      success: result.success,
      limit: applied.limit,
      remaining: result.remaining,
      reset: result.reset,
      ...(applied.overrideId !== undefined ? { overrideId: applied.overrideId } : {}),
    },
  };
}
