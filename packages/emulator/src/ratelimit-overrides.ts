// ratelimit.setOverride, getOverride, listOverrides and deleteOverride,
// transcribed from unkeyed/unkey svc/api/routes/v2_ratelimit_{set,get,delete}_override
// and v2_ratelimit_list_overrides (handler.go each).
import { type Context, type HandlerResult, rootGrants } from "./context";
import { notFound } from "./errors";
import { newId } from "./ids";
import { matchOverride } from "./override-match";
import { requireNamespace } from "./ratelimit-namespaces";
import { rights } from "./rights";
import type { Body } from "./schemas";
import type { OverrideRecord } from "./state";

const overrideMissing = () => notFound("ratelimit_override", "This override does not exist.");

/** Unkey's `RatelimitOverride` answer. */
function overrideView(override: OverrideRecord) {
  return {
    overrideId: override.id,
    identifier: override.identifier,
    limit: override.limit,
    duration: override.duration,
  };
}

/**
 * Creates the override of `identifier` (exact, or a pattern with `*`), or
 * updates the row that identifier already has and answers its id
 * (set_override/handler.go:102-139). That row may be a deleted one: Unkey's
 * lookup does not skip deleted rows and its upsert
 * (pkg/db/queries/ratelimit_override_insert.sql) sets `limit`, `duration` and
 * `updated_at_m` only, so an override deleted then set again keeps its old id
 * and stays deleted.
 */
export function setOverride(ctx: Context, body: Body<"ratelimit.setOverride">): HandlerResult {
  const namespace = requireNamespace(ctx, body.namespace);
  ctx.require(`ratelimit.${namespace.id}.set_override`, "ratelimit.*.set_override");
  const now = ctx.now();
  let row = ctx.state.findOverrideRow(namespace.id, body.identifier);
  if (row) {
    row.limit = body.limit;
    row.duration = body.duration;
    row.updatedAt = now;
  } else {
    row = {
      id: newId("rlor"),
      namespaceId: namespace.id,
      identifier: body.identifier,
      limit: body.limit,
      duration: body.duration,
      createdAt: now,
    };
    ctx.state.addOverride(row);
  }
  ctx.changed();
  return { data: { overrideId: row.id } };
}

/**
 * The override that applies to `identifier`, matched as ratelimit.limit
 * matches it (so a wildcard override answers for the identifiers it covers).
 * A root key without `read_override` (on the matched override's URN, the namespace or every
 * namespace) gets the same 404 as a missing override, so that it cannot learn which
 * identifiers have one (get_override/handler.go:83-130).
 */
export function getOverride(ctx: Context, body: Body<"ratelimit.getOverride">): HandlerResult {
  const namespace = requireNamespace(ctx, body.namespace);
  const override = matchOverride(ctx.state, namespace.id, body.identifier);
  if (!override) throw overrideMissing();
  const needed = rights.getOverride(ctx.root.workspaceId, namespace.id, override.id);
  if (!rootGrants(ctx.root, needed)) throw overrideMissing();
  return { data: overrideView(override) };
}

/**
 * The namespace's live overrides by id, `limit` (default 50, the handler's,
 * list_overrides/handler.go:89) at a time. As Unkey's list queries, the cursor
 * is the first id of the next page and is included (`id >= cursor`,
 * pkg/db/queries/ratelimit_override_list_by_namespace_id.sql).
 */
export function listOverrides(ctx: Context, body: Body<"ratelimit.listOverrides">): HandlerResult {
  const namespace = requireNamespace(ctx, body.namespace);
  ctx.require(`ratelimit.${namespace.id}.read_override`, "ratelimit.*.read_override");
  const limit = body.limit ?? 50;
  const cursor = body.cursor ?? "";
  const rows = ctx.state
    .activeOverrides(namespace.id)
    .filter((row) => row.id >= cursor)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const next = rows[limit];
  return {
    data: rows.slice(0, limit).map(overrideView),
    pagination: next ? { cursor: next.id, hasMore: true } : { hasMore: false },
  };
}

/**
 * Deletes the override set for exactly `identifier` (a pattern is named as it
 * was set, never matched: delete_override/handler.go:93-100). Deletion is soft,
 * as at Unkey.
 */
export function deleteOverride(
  ctx: Context,
  body: Body<"ratelimit.deleteOverride">,
): HandlerResult {
  const namespace = requireNamespace(ctx, body.namespace);
  ctx.require(`ratelimit.${namespace.id}.delete_override`, "ratelimit.*.delete_override");
  const row = ctx.state.findOverrideRow(namespace.id, body.identifier);
  if (!row || row.deletedAt !== undefined) throw overrideMissing();
  row.deletedAt = ctx.now();
  ctx.changed();
  return { data: {} };
}
