// How the ratelimit.* handlers find their namespace, transcribed from
// unkeyed/unkey svc/api/routes/v2_ratelimit_limit/handler.go:75-99 and
// v2_ratelimit_multi_limit/handler.go:69-109 (created on first use) and the
// override handlers (404 when missing), e.g. v2_ratelimit_set_override/handler.go:65-84.
import type { Context } from "./context";
import { notFound } from "./errors";
import { newId } from "./ids";
import type { NamespaceRecord } from "./state";

/**
 * The namespaces named by `refs` (each a name or an id), keyed by the ref.
 * Missing ones are created, named by their ref, which needs
 * `ratelimit.*.create_namespace` (checked once, whatever the number missing).
 */
export function ensureNamespaces(
  ctx: Context,
  refs: Iterable<string>,
): Map<string, NamespaceRecord> {
  const found = new Map<string, NamespaceRecord>();
  const missing: string[] = [];
  for (const ref of refs) {
    if (found.has(ref) || missing.includes(ref)) continue;
    const namespace = ctx.state.findNamespace(ref);
    if (namespace) found.set(ref, namespace);
    else missing.push(ref);
  }
  if (missing.length === 0) return found;
  ctx.require("ratelimit.*.create_namespace");
  for (const name of missing) {
    const namespace = { id: newId("rlns"), name, createdAt: ctx.now() };
    ctx.state.addNamespace(namespace);
    found.set(name, namespace);
  }
  ctx.changed();
  return found;
}

/** {@link ensureNamespaces} for one namespace. */
export function ensureNamespace(ctx: Context, ref: string): NamespaceRecord {
  return ensureNamespaces(ctx, [ref]).get(ref) as NamespaceRecord;
}

/** The namespace named by `ref` (name or id), or Unkey's 404 `ratelimit_namespace_not_found`. */
export function requireNamespace(ctx: Context, ref: string): NamespaceRecord {
  const namespace = ctx.state.findNamespace(ref);
  if (!namespace) throw notFound("ratelimit_namespace", "This namespace does not exist.");
  return namespace;
}
