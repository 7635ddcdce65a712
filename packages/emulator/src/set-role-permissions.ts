// permissions.setRolePermissions, transcribed from unkeyed/unkey
// svc/api/routes/v2_permissions_set_role_permissions/handler.go.
import type { Context, HandlerResult } from "./context";
import { notFound } from "./errors";
import { rights } from "./rights";
import { createPlannedPermissions, planRoleSlugs } from "./role-permission-slugs";
import type { Body } from "./schemas";
import { permissionView } from "./views";

/**
 * Replaces a role's permissions. The role is found by id only (`roleId`); slugs
 * are matched case-insensitively and deduplicated; missing ones are created
 * (name = slug) if the root key may create permissions (handler.go:109). Answers
 * the role's permissions sorted by slug.
 */
export function setRolePermissions(
  ctx: Context,
  body: Body<"permissions.setRolePermissions">,
): HandlerResult {
  ctx.requireAll("rbac.*.add_permission_to_role", "rbac.*.remove_permission_from_role");
  const role = ctx.state.roles.get(body.roleId);
  if (!role) throw notFound("role", "The requested role does not exist.");
  const plan = planRoleSlugs(ctx.state, body.permissions);
  if (plan.missing.length > 0) ctx.authorize(rights.createPermission(ctx.root.workspaceId));
  const permissions = createPlannedPermissions(ctx, plan);
  role.permissionIds = permissions.map((p) => p.id);
  ctx.changed();
  return { data: permissions.map(permissionView) };
}
