import type {
  CreditsRecord,
  IdentityRecord,
  KeyRecord,
  PermissionRecord,
  RatelimitRecord,
  RoleRecord,
  State,
} from "./state";

export function permissionView(permission: PermissionRecord) {
  return {
    id: permission.id,
    name: permission.name,
    slug: permission.slug,
    ...(permission.description !== undefined ? { description: permission.description } : {}),
  };
}

export function roleView(state: State, role: RoleRecord) {
  const permissions = [];
  for (const id of role.permissionIds) {
    const permission = state.permissions.get(id);
    if (permission) permissions.push(permissionView(permission));
  }
  return {
    id: role.id,
    name: role.name,
    ...(role.description !== undefined ? { description: role.description } : {}),
    permissions,
  };
}

export function ratelimitView(ratelimit: RatelimitRecord) {
  return {
    id: ratelimit.id,
    name: ratelimit.name,
    limit: ratelimit.limit,
    duration: ratelimit.duration,
    autoApply: ratelimit.autoApply,
  };
}

export function identityView(identity: IdentityRecord) {
  return {
    id: identity.id,
    externalId: identity.externalId,
    ...(identity.meta !== undefined ? { meta: identity.meta } : {}),
    ratelimits: identity.ratelimits.map(ratelimitView),
  };
}

export function creditsView(credits: CreditsRecord) {
  return {
    remaining: credits.remaining,
    ...(credits.refill ? { refill: { ...credits.refill } } : {}),
  };
}

/** Role names of a key. */
export function keyRoles(state: State, key: KeyRecord): string[] {
  const names: string[] = [];
  for (const id of key.roleIds) {
    const role = state.roles.get(id);
    if (role) names.push(role.name);
  }
  return names;
}

/** Permission slugs of a key, direct and through its roles, deduplicated. */
export function keyPermissions(state: State, key: KeyRecord): string[] {
  const slugs = new Set<string>();
  for (const id of key.permissionIds) {
    const permission = state.permissions.get(id);
    if (permission) slugs.add(permission.slug);
  }
  for (const roleId of key.roleIds) {
    const role = state.roles.get(roleId);
    if (!role) continue;
    for (const id of role.permissionIds) {
      const permission = state.permissions.get(id);
      if (permission) slugs.add(permission.slug);
    }
  }
  return [...slugs];
}

/** Unkey's `KeyResponseData`. */
export function keyView(state: State, key: KeyRecord) {
  const identity = key.identityId ? state.identities.get(key.identityId) : undefined;
  return {
    keyId: key.id,
    start: key.start,
    enabled: key.enabled,
    ...(key.name !== undefined ? { name: key.name } : {}),
    ...(key.meta !== undefined ? { meta: key.meta } : {}),
    createdAt: key.createdAt,
    ...(key.updatedAt !== undefined ? { updatedAt: key.updatedAt } : {}),
    ...(key.lastUsedAt !== undefined ? { lastUsedAt: key.lastUsedAt } : {}),
    ...(key.expires !== undefined ? { expires: key.expires } : {}),
    permissions: keyPermissions(state, key),
    roles: keyRoles(state, key),
    ...(key.credits ? { credits: creditsView(key.credits) } : {}),
    ...(identity ? { identity: identityView(identity) } : {}),
    ratelimits: key.ratelimits.map(ratelimitView),
  };
}
