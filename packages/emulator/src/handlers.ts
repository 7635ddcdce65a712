import { type Context, type HandlerResult, rootGrants } from "./context";
import { creditsAfterUpdate } from "./credit-rules";
import { applyRefill } from "./credits";
import { type ApiError, conflict, invalidInput, notFound } from "./errors";
import { deleteIdentity, listIdentities, updateIdentity } from "./identity-handlers";
import { newId } from "./ids";
import { migrateKeys } from "./migrate-keys";
import type { PermissionQuery } from "./permission-query-parser";
import { ratelimitLimit } from "./ratelimit-limit";
import { ratelimitMultiLimit } from "./ratelimit-multi-limit";
import { deleteOverride, getOverride, listOverrides, setOverride } from "./ratelimit-overrides";
import { rerollKey } from "./reroll-key";
import {
  createKeyRecord,
  ensureIdentity,
  requireKey as findKey,
  hashKey,
  keyPlace,
  paginate,
  requireApi,
  resolvePermissions,
  resolveRoles,
  toCredits,
  toRatelimits,
} from "./resources";
import { rights } from "./rights";
import { createPlannedPermissions, planRoleSlugs } from "./role-permission-slugs";
import type { Body, Operation } from "./schemas";
import { setRolePermissions } from "./set-role-permissions";
import { defaultKeyspaceId, type KeyRecord, type State } from "./state";
import { verifyKey } from "./verify";
import { creditsView, identityView, keyView, permissionView, roleView } from "./views";

type Handler<O extends Operation> = (ctx: Context, body: Body<O>) => HandlerResult;
type Handlers = { [O in Operation]: Handler<O> };

const EMPTY = {};

function directPermissions(state: State, key: KeyRecord) {
  return key.permissionIds.flatMap((id) => {
    const permission = state.permissions.get(id);
    return permission ? [permissionView(permission)] : [];
  });
}

function keyRolesView(state: State, key: KeyRecord) {
  return key.roleIds.flatMap((id) => {
    const role = state.roles.get(id);
    return role ? [roleView(state, role)] : [];
  });
}

/** A key by id, with any refill that came due applied first (Unkey refills by cron). */
function requireKey(ctx: Context, keyId: string): KeyRecord {
  const key = findKey(ctx.state, keyId);
  if (key.credits && applyRefill(key.credits, ctx.now())) ctx.changed();
  return key;
}

/** Touches a key after a mutation and reports the change. */
function touched(ctx: Context, key: KeyRecord): void {
  key.updatedAt = ctx.now();
  ctx.changed();
}

function requireRoleRef(ctx: Context, ref: string) {
  const role = ctx.state.findRole(ref);
  if (!role) throw notFound("role", `The role "${ref}" does not exist.`);
  return role;
}

/** The caller's workspace, which resource permissions name. */
const ws = (ctx: Context) => ctx.root.workspaceId;

/**
 * Authorizes, turning a refusal into `hidden` (svc/api/internal/errors/errors.go
 * MaskInsufficientPermissionsAsNotFound), so that a root key without the right
 * cannot tell an existing resource from a missing one.
 */
function authorizeOrHide(ctx: Context, query: PermissionQuery, hidden: ApiError): void {
  if (!rootGrants(ctx.root, query)) throw hidden;
}

// keys.addPermissions and keys.setPermissions create unknown slugs only with
// the right to create permissions (v2_keys_add_permissions/handler.go:169-180,
// v2_keys_set_permissions/handler.go:154-165).
function mayCreateMissing(ctx: Context, refs: readonly string[]): void {
  if (refs.some((ref) => !ctx.state.findPermission(ref))) {
    ctx.authorize(rights.createPermission(ws(ctx)));
  }
}

function requirePermissionRef(ctx: Context, ref: string) {
  const permission = ctx.state.findPermission(ref);
  if (!permission) throw notFound("permission", `The permission "${ref}" does not exist.`);
  return permission;
}

/** Every operation the emulator serves, by Unkey's operation name. */
export const handlers: Handlers = {
  "apis.createApi"(ctx, body) {
    ctx.require("api.*.create_api");
    const id = newId("api");
    // Unkey's keyspace ids are random and never answered; a derived one lets
    // resource permissions name an API created here.
    const api = { id, name: body.name, keyspaceId: defaultKeyspaceId(id), createdAt: ctx.now() };
    ctx.state.addApi(api);
    ctx.changed();
    return { data: { apiId: api.id } };
  },
  "apis.getApi"(ctx, body) {
    ctx.require("api.*.read_api", `api.${body.apiId}.read_api`);
    const api = requireApi(ctx.state, body.apiId);
    return { data: { id: api.id, name: api.name } };
  },
  "apis.deleteApi"(ctx, body) {
    ctx.require("api.*.delete_api", `api.${body.apiId}.delete_api`);
    const api = requireApi(ctx.state, body.apiId);
    for (const key of [...ctx.state.keys.values()]) {
      if (key.apiId === api.id) ctx.state.removeKey(key);
    }
    ctx.state.apis.delete(api.id);
    ctx.changed();
    return { data: EMPTY };
  },
  "apis.listKeys"(ctx, body) {
    // v2_apis_list_keys/handler.go:63-136: the API first, then the rights, a
    // refusal masked as that same 404 so that API ids cannot be enumerated.
    const hidden = notFound("api", "The requested API does not exist or has been deleted.");
    const api = ctx.state.apis.get(body.apiId);
    if (!api) throw hidden;
    authorizeOrHide(ctx, rights.listKeys(ws(ctx), api.id, api.keyspaceId), hidden);
    let keys = [...ctx.state.keys.values()].filter((key) => key.apiId === body.apiId);
    if (body.externalId !== undefined) {
      const identity = ctx.state.identitiesByExternalId.get(body.externalId);
      keys = identity ? keys.filter((key) => key.identityId === identity.id) : [];
    }
    const { page, pagination } = paginate(keys, body.limit, body.cursor);
    return { data: page.map((key) => keyView(ctx.state, key)), pagination };
  },

  "keys.createKey"(ctx, body) {
    // v2_keys_create_key/handler.go:78-125: the API first, then the rights, a
    // refusal masked as that same 404.
    const hidden = notFound("api", "The specified API was not found.");
    const api = ctx.state.apis.get(body.apiId);
    if (!api) throw hidden;
    authorizeOrHide(ctx, rights.createKey(ws(ctx), api.id, api.keyspaceId), hidden);
    const { record, plaintext } = createKeyRecord(ctx.state, body, ctx.now());
    ctx.changed();
    return { data: { keyId: record.id, key: plaintext } };
  },
  "keys.verifyKey": verifyKey,
  "keys.getKey"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.readKey(ws(ctx), keyPlace(ctx.state, key)));
    return { data: keyView(ctx.state, key) };
  },
  "keys.whoami"(ctx, body) {
    // v2_keys_whoami/handler.go:55-107: a refusal is masked as a missing key.
    const key = ctx.state.keysByHash.get(hashKey(body.key));
    if (!key) throw notFound("key", "We could not find the requested key.");
    const hidden = notFound("key", "The specified key was not found.");
    authorizeOrHide(ctx, rights.readKey(ws(ctx), keyPlace(ctx.state, key)), hidden);
    return { data: keyView(ctx.state, key) };
  },
  "keys.updateKey"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.updateKey(ws(ctx), keyPlace(ctx.state, key)));
    const now = ctx.now();
    // Resolve everything that can fail before changing anything.
    const roleIds = body.roles !== undefined ? resolveRoles(ctx.state, body.roles) : undefined;
    const credits = creditsAfterUpdate(key.credits, body.credits, now);
    if (body.name !== undefined) {
      if (body.name === null) delete key.name;
      else key.name = body.name;
    }
    if (body.meta !== undefined) {
      if (body.meta === null) delete key.meta;
      else key.meta = body.meta;
    }
    if (body.expires !== undefined) {
      if (body.expires === null) delete key.expires;
      else key.expires = body.expires;
    }
    if (body.externalId !== undefined) {
      if (body.externalId === null) delete key.identityId;
      else key.identityId = ensureIdentity(ctx.state, body.externalId, now).id;
    }
    if (credits === undefined) delete key.credits;
    else key.credits = credits;
    if (body.ratelimits !== undefined) key.ratelimits = toRatelimits(body.ratelimits);
    if (body.enabled !== undefined) key.enabled = body.enabled;
    if (roleIds !== undefined) key.roleIds = roleIds;
    if (body.permissions !== undefined) {
      key.permissionIds = resolvePermissions(ctx.state, body.permissions, now);
    }
    touched(ctx, key);
    return { data: EMPTY };
  },
  "keys.deleteKey"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.deleteKey(ws(ctx), keyPlace(ctx.state, key)));
    ctx.state.removeKey(key);
    ctx.changed();
    return { data: EMPTY };
  },
  "keys.updateCredits"(ctx, body) {
    // v2_keys_update_credits/handler.go:61-69: its own wording for a missing key.
    if (!ctx.state.keys.has(body.keyId))
      throw notFound("key", "We could not find the requested key.");
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.updateKey(ws(ctx), keyPlace(ctx.state, key)));
    const value = body.value ?? null;
    if (body.operation === "set") {
      if (value === null) delete key.credits;
      else if (key.credits) key.credits.remaining = value;
      else key.credits = toCredits({ remaining: value }, ctx.now());
    } else {
      // v2_keys_update_credits/handler.go: both refusals are fault.New with no validation
      // errors, answered `errors: []` (svc/api/internal/middleware/errors.go), in this order.
      if (value === null) {
        throw invalidInput(
          "When specifying an increment or decrement operation, a value must be provided.",
        );
      }
      if (!key.credits || key.credits.remaining === null) {
        throw invalidInput("You cannot increment or decrement a key with unlimited credits.");
      }
      const next = key.credits.remaining + (body.operation === "increment" ? value : -value);
      key.credits.remaining = Math.max(0, next);
    }
    touched(ctx, key);
    return { data: key.credits ? creditsView(key.credits) : { remaining: null } };
  },
  "keys.addPermissions"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.addPermissions(ws(ctx), keyPlace(ctx.state, key)));
    mayCreateMissing(ctx, body.permissions);
    const ids = resolvePermissions(ctx.state, body.permissions, ctx.now());
    key.permissionIds = [...new Set([...key.permissionIds, ...ids])];
    touched(ctx, key);
    return { data: directPermissions(ctx.state, key) };
  },
  "keys.removePermissions"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.removePermissions(ws(ctx), keyPlace(ctx.state, key)));
    const remove = new Set(body.permissions.map((ref) => requirePermissionRef(ctx, ref).id));
    key.permissionIds = key.permissionIds.filter((id) => !remove.has(id));
    touched(ctx, key);
    return { data: directPermissions(ctx.state, key) };
  },
  "keys.setPermissions"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.setPermissions(ws(ctx), keyPlace(ctx.state, key)));
    mayCreateMissing(ctx, body.permissions);
    key.permissionIds = resolvePermissions(ctx.state, body.permissions, ctx.now());
    touched(ctx, key);
    return { data: directPermissions(ctx.state, key) };
  },
  "keys.addRoles"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.addRoles(ws(ctx), keyPlace(ctx.state, key)));
    const ids = resolveRoles(ctx.state, body.roles);
    key.roleIds = [...new Set([...key.roleIds, ...ids])];
    touched(ctx, key);
    return { data: keyRolesView(ctx.state, key) };
  },
  "keys.removeRoles"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.updateKey(ws(ctx), keyPlace(ctx.state, key)));
    const remove = new Set(resolveRoles(ctx.state, body.roles));
    key.roleIds = key.roleIds.filter((id) => !remove.has(id));
    touched(ctx, key);
    return { data: keyRolesView(ctx.state, key) };
  },
  "keys.setRoles"(ctx, body) {
    const key = requireKey(ctx, body.keyId);
    ctx.authorize(rights.updateKey(ws(ctx), keyPlace(ctx.state, key)));
    key.roleIds = resolveRoles(ctx.state, body.roles);
    touched(ctx, key);
    return { data: keyRolesView(ctx.state, key) };
  },

  "permissions.createPermission"(ctx, body) {
    ctx.require("rbac.*.create_permission");
    if (ctx.state.permissionsBySlug.has(body.slug)) {
      throw conflict("permission", `A permission with slug "${body.slug}" already exists.`);
    }
    const permission = {
      id: newId("perm"),
      name: body.name,
      slug: body.slug,
      ...(body.description !== undefined ? { description: body.description } : {}),
      createdAt: ctx.now(),
    };
    ctx.state.addPermission(permission);
    ctx.changed();
    return { data: { permissionId: permission.id } };
  },
  "permissions.getPermission"(ctx, body) {
    ctx.require("rbac.*.read_permission");
    return { data: permissionView(requirePermissionRef(ctx, body.permission)) };
  },
  "permissions.listPermissions"(ctx, body) {
    ctx.require("rbac.*.read_permission");
    const search = body.search?.toLowerCase();
    const all = [...ctx.state.permissions.values()].filter(
      (p) => !search || p.name.toLowerCase().includes(search) || p.slug.includes(search),
    );
    const { page, pagination } = paginate(all, body.limit, body.cursor);
    return { data: page.map(permissionView), pagination };
  },
  "permissions.deletePermission"(ctx, body) {
    ctx.require("rbac.*.delete_permission");
    ctx.state.removePermission(requirePermissionRef(ctx, body.permission));
    ctx.changed();
    return { data: EMPTY };
  },
  "permissions.createRole"(ctx, body) {
    // v2_permissions_create_role/handler.go:70-231: the rights first (adding
    // permissions, creating missing ones), then the name's uniqueness.
    ctx.authorize(rights.createRole());
    const plan = planRoleSlugs(ctx.state, body.permissions ?? []);
    if (plan.slugs.length > 0) ctx.require("rbac.*.add_permission_to_role");
    if (plan.missing.length > 0) ctx.require("rbac.*.create_permission");
    if (ctx.state.rolesByName.has(body.name)) {
      throw conflict("role", `A role with name '${body.name}' already exists in this workspace`);
    }
    const permissionIds = createPlannedPermissions(ctx, plan).map((p) => p.id);
    const role = {
      id: newId("role"),
      name: body.name,
      ...(body.description !== undefined ? { description: body.description } : {}),
      permissionIds,
      createdAt: ctx.now(),
    };
    ctx.state.addRole(role);
    ctx.changed();
    return { data: { roleId: role.id } };
  },
  "permissions.getRole"(ctx, body) {
    ctx.require("rbac.*.read_role");
    return { data: roleView(ctx.state, requireRoleRef(ctx, body.role)) };
  },
  "permissions.listRoles"(ctx, body) {
    ctx.require("rbac.*.read_role");
    const search = body.search?.toLowerCase();
    const all = [...ctx.state.roles.values()].filter(
      (r) => !search || r.name.toLowerCase().includes(search),
    );
    const { page, pagination } = paginate(all, body.limit, body.cursor);
    return { data: page.map((role) => roleView(ctx.state, role)), pagination };
  },
  "permissions.deleteRole"(ctx, body) {
    ctx.require("rbac.*.delete_role");
    ctx.state.removeRole(requireRoleRef(ctx, body.role));
    ctx.changed();
    return { data: EMPTY };
  },
  "permissions.setRolePermissions": setRolePermissions,

  "identities.createIdentity"(ctx, body) {
    ctx.authorize(rights.createIdentity(ws(ctx)));
    if (ctx.state.identitiesByExternalId.has(body.externalId)) {
      throw conflict(
        "identity",
        `An identity with externalId "${body.externalId}" already exists.`,
      );
    }
    const identity = {
      id: newId("id"),
      externalId: body.externalId,
      ...(body.meta !== undefined ? { meta: body.meta } : {}),
      ratelimits: toRatelimits(body.ratelimits),
      createdAt: ctx.now(),
    };
    ctx.state.addIdentity(identity);
    ctx.changed();
    return { data: { identityId: identity.id } };
  },
  "identities.getIdentity"(ctx, body) {
    const identity = ctx.state.findIdentity(body.identity);
    if (!identity) throw notFound("identity", "This identity does not exist.");
    ctx.authorize(rights.getIdentity(ws(ctx), identity.id));
    return { data: identityView(identity) };
  },

  "ratelimit.limit": ratelimitLimit,
  "ratelimit.multiLimit": ratelimitMultiLimit,
  "ratelimit.setOverride": setOverride,
  "ratelimit.getOverride": getOverride,
  "ratelimit.listOverrides": listOverrides,
  "ratelimit.deleteOverride": deleteOverride,

  "keys.rerollKey": rerollKey,
  "keys.migrateKeys": migrateKeys,
  "identities.updateIdentity": updateIdentity,
  "identities.listIdentities": listIdentities,
  "identities.deleteIdentity": deleteIdentity,
};
