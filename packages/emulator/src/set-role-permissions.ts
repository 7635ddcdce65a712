// permissions.setRolePermissions, transcribed from unkeyed/unkey
// svc/api/routes/v2_permissions_set_role_permissions/handler.go.
import type { Context, HandlerResult } from "./context";
import { notFound } from "./errors";
import { newId } from "./ids";
import type { Body } from "./schemas";
import type { PermissionRecord } from "./state";
import { permissionView } from "./views";

/**
 * Replaces a role's permissions. The role is found by id only (`roleId`); slugs
 * are matched case-insensitively and deduplicated; missing ones are created
 * (name = slug) if the root key may create permissions. Answers the role's
 * permissions sorted by slug.
 */
export function setRolePermissions(
  ctx: Context,
  body: Body<"permissions.setRolePermissions">,
): HandlerResult {
  ctx.requireAll("rbac.*.add_permission_to_role", "rbac.*.remove_permission_from_role");
  const role = ctx.state.roles.get(body.roleId);
  if (!role) throw notFound("role", "The requested role does not exist.");
  const seen = new Set<string>();
  const slugs = body.permissions
    .filter((slug) => !seen.has(slug.toLowerCase()) && seen.add(slug.toLowerCase()))
    .sort();
  const bySlug = new Map<string, PermissionRecord>();
  for (const p of ctx.state.permissions.values()) bySlug.set(p.slug.toLowerCase(), p);
  const missing = slugs.filter((slug) => !bySlug.has(slug.toLowerCase()));
  if (missing.length > 0) ctx.require("rbac.*.create_permission");
  for (const slug of missing) {
    const created = { id: newId("perm"), name: slug, slug, createdAt: ctx.now() };
    ctx.state.addPermission(created);
    bySlug.set(slug.toLowerCase(), created);
  }
  const permissions = slugs.map((slug) => bySlug.get(slug.toLowerCase()) as PermissionRecord);
  role.permissionIds = permissions.map((p) => p.id);
  ctx.changed();
  return { data: permissions.map(permissionView) };
}
