// The root-key rights each operation asks for, transcribed leaf for leaf (the
// order shows in rbac's denial messages) from the `principal.Authorize` calls of
// unkeyed/unkey svc/api/routes/<route>/handler.go, cited per entry as
// route:line. Resource-permission leaves (`unkey:v1:…#action`) are built with
// the caller's workspace, as the handlers do with principal.WorkspaceID.
import {
  and,
  or,
  type PermissionQuery,
  permission as T,
  unkeyPermission as U,
} from "./permission-query-parser";
import { resources } from "./urn";

/** Where a key lives: its API, that API's keyspace, and its own id. */
export interface KeyPlace {
  apiId: string;
  keyspaceId: string;
  keyId: string;
}

// A tuple granted on every API or on this one, in the handlers' usual order.
const anyOrThisApi = (action: string, apiId: string) =>
  or(T(`api.*.${action}`), T(`api.${apiId}.${action}`));

const onKey = (ws: string, place: KeyPlace, action: string) =>
  U(resources.key(ws, place.keyspaceId, place.keyId), action);

// The tuple leg of keys.{add,remove,set}{Permissions,Roles}: update_key on the
// API and the rbac rights named (v2_keys_add_permissions:87 and siblings).
const keyRbac = (ws: string, place: KeyPlace, rbacRights: string[]) =>
  or(
    onKey(ws, place, "update_key"),
    and(anyOrThisApi("update_key", place.apiId), ...rbacRights.map((r) => T(`rbac.*.${r}`))),
  );

const anyIdentity = (ws: string, action: string) => U(resources.anyIdentity(ws), action);

/** The rights of every operation the emulator checks beyond the legacy tuples. */
export const rights = {
  /** v2_keys_verify_key:105 */
  verifyKey: (ws: string, place: KeyPlace): PermissionQuery =>
    or(T("api.*.verify_key"), T(`api.${place.apiId}.verify_key`), onKey(ws, place, "verify_key")),
  /** v2_keys_create_key:103 */
  createKey: (ws: string, apiId: string, keyspaceId: string): PermissionQuery =>
    or(
      T(`api.${apiId}.create_key`),
      T("api.*.create_key"),
      U(resources.keyspace(ws, keyspaceId), "create_key"),
    ),
  /** v2_apis_list_keys:113 and its permissions.go (ReadKeysPermissions) */
  listKeys: (ws: string, apiId: string, keyspaceId: string): PermissionQuery =>
    or(
      and(
        U(resources.key(ws, keyspaceId, "*"), "read_key"),
        U(resources.keyspace(ws, keyspaceId), "read_keyspace"),
      ),
      and(
        or(T("api.*.read_key"), T(`api.${apiId}.read_key`)),
        or(T("api.*.read_api"), T(`api.${apiId}.read_api`)),
      ),
    ),
  /** v2_keys_get_key:87, v2_keys_whoami:85 */
  readKey: (ws: string, place: KeyPlace): PermissionQuery =>
    or(anyOrThisApi("read_key", place.apiId), onKey(ws, place, "read_key")),
  /** v2_keys_update_key:96, v2_keys_update_credits:88, v2_keys_remove_roles:79, v2_keys_set_roles:85 */
  updateKey: (ws: string, place: KeyPlace): PermissionQuery =>
    or(anyOrThisApi("update_key", place.apiId), onKey(ws, place, "update_key")),
  /** v2_keys_delete_key:121 */
  deleteKey: (ws: string, place: KeyPlace): PermissionQuery =>
    or(anyOrThisApi("delete_key", place.apiId), onKey(ws, place, "delete_key")),
  /** v2_keys_add_permissions:87 */
  addPermissions: (ws: string, place: KeyPlace) => keyRbac(ws, place, ["add_permission_to_key"]),
  /** v2_keys_remove_permissions:78 */
  removePermissions: (ws: string, place: KeyPlace) =>
    keyRbac(ws, place, ["remove_permission_from_key"]),
  /** v2_keys_set_permissions:87 */
  setPermissions: (ws: string, place: KeyPlace) =>
    keyRbac(ws, place, ["add_permission_to_key", "remove_permission_from_key"]),
  /** v2_keys_add_roles:79 */
  addRoles: (ws: string, place: KeyPlace) => keyRbac(ws, place, ["add_role_to_key"]),
  /** v2_keys_add_permissions:170, v2_keys_set_permissions:155, v2_permissions_set_role_permissions:109 */
  createPermission: (ws: string): PermissionQuery =>
    or(U(resources.anyRbacPermission(ws), "create_permission"), T("rbac.*.create_permission")),
  /** v2_keys_reroll_key:77 (rerollPermissionQuery at 401, permissions.go CreateKeyPermissions) */
  rerollKey: (ws: string, apiId: string, keyspaceId: string): PermissionQuery =>
    or(
      or(T(`api.${apiId}.create_key`), T("api.*.create_key")),
      U(resources.keyspace(ws, keyspaceId), "create_key"),
    ),
  /** v2_keys_migrate_keys:65 */
  migrateKeys: (apiId: string): PermissionQuery =>
    or(T(`api.${apiId}.create_key`), T("api.*.create_key")),
  /** v2_permissions_create_role:70 (an OR of one leaf, which shows in its message) */
  createRole: (): PermissionQuery => or(T("rbac.*.create_role")),
  /** v2_identities_create_identity:68 */
  createIdentity: (ws: string): PermissionQuery =>
    or(T("identity.*.create_identity"), anyIdentity(ws, "create_identity")),
  /** v2_identities_get_identity:79 */
  getIdentity: (ws: string, identityId: string): PermissionQuery =>
    or(
      T("identity.*.read_identity"),
      T(`identity.${identityId}.read_identity`),
      anyIdentity(ws, "read_identity"),
    ),
  /** v2_identities_list_identities:75 (checked per listed identity) */
  listIdentity: (ws: string, identityId: string): PermissionQuery =>
    or(
      T(`identity.${identityId}.read_identity`),
      T("identity.*.read_identity"),
      anyIdentity(ws, "read_identity"),
    ),
  /** v2_identities_update_identity:70 */
  updateIdentity: (ws: string): PermissionQuery =>
    or(T("identity.*.update_identity"), anyIdentity(ws, "update_identity")),
  /**
   * v2_ratelimit_get_override:98-119: the URN leg on the matched override, then the
   * namespace's and the global tuple. setOverride, listOverrides and deleteOverride have the
   * two tuple legs only (set_override:86, list_overrides:73, delete_override:77).
   */
  getOverride: (ws: string, namespaceId: string, overrideId: string): PermissionQuery =>
    or(
      U(resources.override(ws, namespaceId, overrideId), "read_override"),
      T(`ratelimit.${namespaceId}.read_override`),
      T("ratelimit.*.read_override"),
    ),
  /** v2_identities_delete_identity:60 */
  deleteIdentity: (ws: string): PermissionQuery =>
    or(T("identity.*.delete_identity"), anyIdentity(ws, "delete_identity")),
};
