// ratelimit.multiLimit, transcribed from unkeyed/unkey
// svc/api/routes/v2_ratelimit_multi_limit/handler.go.
import type { Context, HandlerResult } from "./context";
import { applyOverride } from "./override-match";
import { and, or, permission } from "./permission-query-parser";
import { assertPositiveLimit } from "./ratelimit-limit";
import { ensureNamespaces } from "./ratelimit-namespaces";
import type { Body } from "./schemas";
import type { NamespaceRecord } from "./state";

/**
 * Checks up to 100 limits all or nothing (the ratelimiter's `RatelimitMany`).
 * Unknown namespaces are created first (one `ratelimit.*.create_namespace`
 * check, handler.go:88-109); then the root key needs `ratelimit.*.limit` or
 * `ratelimit.<id>.limit` for every namespace named (handler.go:111-131).
 * Each check gets its namespace's matching override (handler.go:159-167), and
 * each answer names the namespace as the request did (handler.go:225-237).
 */
export function ratelimitMultiLimit(
  ctx: Context,
  body: Body<"ratelimit.multiLimit">,
): HandlerResult {
  const namespaces = ensureNamespaces(
    ctx,
    body.map((check) => check.namespace),
  );
  const namespaceOf = (ref: string) => namespaces.get(ref) as NamespaceRecord;
  ctx.authorize(
    or(
      permission("ratelimit.*.limit"),
      and(...body.map((check) => permission(`ratelimit.${namespaceOf(check.namespace).id}.limit`))),
    ),
  );
  const planned = body.map((check) => {
    const namespace = namespaceOf(check.namespace);
    return { check, namespace, applied: applyOverride(ctx.state, namespace.id, check) };
  });
  for (const { applied } of planned) {
    assertPositiveLimit(applied.limit, "We're unable to process the rate limit requests.");
  }
  const results = ctx.limiter.limitMany(
    planned.map(({ check, namespace, applied }) => ({
      namespace: `ns:${namespace.id}`,
      identifier: check.identifier,
      limit: applied.limit,
      duration: applied.duration,
      cost: check.cost ?? 1,
    })),
    ctx.now(),
  );
  const limits = planned.map(({ check, applied }, i) => {
    const result = results[i] as (typeof results)[number];
    return {
      namespace: check.namespace,
      identifier: check.identifier,
      passed: result.success,
      limit: applied.limit,
      remaining: result.remaining,
      reset: result.reset,
      ...(applied.overrideId !== undefined ? { overrideId: applied.overrideId } : {}),
    };
  });
  return { data: { passed: limits.every((limit) => limit.passed), limits } };
}
