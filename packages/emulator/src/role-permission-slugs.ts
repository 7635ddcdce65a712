// How permissions.createRole and permissions.setRolePermissions resolve the
// slugs they are given, transcribed from unkeyed/unkey
// svc/api/routes/v2_permissions_create_role/handler.go (lines 81-201) and
// v2_permissions_set_role_permissions/handler.go (lines 65-157).
import type { Context } from "./context";
import { newId } from "./ids";
import type { PermissionRecord, State } from "./state";

/** The slugs a role will hold, and which of them do not exist yet. */
export interface RoleSlugPlan {
  /** Deduplicated case-insensitively (first spelling kept), sorted. */
  slugs: string[];
  /** The slugs no permission has, compared case-insensitively. */
  missing: string[];
  /** Existing permissions by lower-cased slug. */
  bySlug: Map<string, PermissionRecord>;
}

/** Plans the slugs without changing anything. */
export function planRoleSlugs(state: State, requested: readonly string[]): RoleSlugPlan {
  const seen = new Set<string>();
  const slugs = requested
    .filter((slug) => !seen.has(slug.toLowerCase()) && seen.add(slug.toLowerCase()))
    .sort();
  const bySlug = new Map<string, PermissionRecord>();
  for (const p of state.permissions.values()) bySlug.set(p.slug.toLowerCase(), p);
  const missing = slugs.filter((slug) => !bySlug.has(slug.toLowerCase()));
  return { slugs, missing, bySlug };
}

/**
 * Creates the missing permissions (name = slug; the caller checked the right
 * to) and returns the role's permissions in slug order.
 */
export function createPlannedPermissions(ctx: Context, plan: RoleSlugPlan): PermissionRecord[] {
  for (const slug of plan.missing) {
    const created = { id: newId("perm"), name: slug, slug, createdAt: ctx.now() };
    ctx.state.addPermission(created);
    plan.bySlug.set(slug.toLowerCase(), created);
  }
  return plan.slugs.map((slug) => plan.bySlug.get(slug.toLowerCase()) as PermissionRecord);
}
