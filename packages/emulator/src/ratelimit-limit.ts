// ratelimit.limit, transcribed from unkeyed/unkey
// svc/api/routes/v2_ratelimit_limit/handler.go.
import type { Context, HandlerResult } from "./context";
import { newId } from "./ids";
import type { Body } from "./schemas";

/**
 * Counts one request against `namespace` (by name or id) and `identifier`. An
 * unknown namespace is created on first use, which needs
 * `ratelimit.*.create_namespace`; the limit itself needs `ratelimit.*.limit`
 * or `ratelimit.<namespace id>.limit` (the id, not the name).
 */
export function ratelimitLimit(ctx: Context, body: Body<"ratelimit.limit">): HandlerResult {
  let namespace = ctx.state.findNamespace(body.namespace);
  if (!namespace) {
    ctx.require("ratelimit.*.create_namespace");
    namespace = { id: newId("rlns"), name: body.namespace, createdAt: ctx.now() };
    ctx.state.addNamespace(namespace);
    ctx.changed();
  }
  ctx.require(`ratelimit.${namespace.id}.limit`, "ratelimit.*.limit");
  const result = ctx.limiter.limit(
    {
      namespace: `ns:${namespace.id}`,
      identifier: body.identifier,
      limit: body.limit,
      duration: body.duration,
      cost: body.cost ?? 1,
    },
    ctx.now(),
  );
  return {
    data: {
      limit: result.limit,
      remaining: result.remaining,
      reset: result.reset,
      success: result.success,
    },
  };
}
