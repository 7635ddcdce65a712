// Contract rows for the root-key rights of issue 28: the operations that mask
// a refusal as a 404, the rbac rights Unkey asks for besides the key rights,
// and resource permissions (`unkey:v1:{workspace}:{path}#{action}`) as
// unkeyed/unkey pkg/rbac and pkg/urn match them.
import { expect } from "vitest";
import type { Emulator } from "../src/index";
import { API_ID, type Row, type Vars } from "./contract-table";
import { KEYSPACE_ID, urn, WORKSPACE_ID } from "./contract-workspace";
import type { Json } from "./helpers";

const ROUTES = "svc/api/routes";
const ERR = "https://unkey.com/docs/errors";
const FORBIDDEN = `${ERR}/unkey/authorization/insufficient_permissions`;
const API_HIDDEN = {
  status: 404,
  type: `${ERR}/unkey/data/api_not_found`,
  detail: "The specified API was not found.",
};
const KEYS_HIDDEN = {
  status: 404,
  type: `${ERR}/unkey/data/api_not_found`,
  detail: "The requested API does not exist or has been deleted.",
};
const KEY_HIDDEN = {
  status: 404,
  type: `${ERR}/unkey/data/key_not_found`,
  detail: "The specified key was not found.",
};

/** A row's own root key `root_<name>` with `permissions`. */
const rootWith = (name: string, permissions: string[]) => ({
  seed: { rootKeys: [{ key: `root_${name}`, permissions }] },
  root: `root_${name}`,
});

async function key(e: Emulator, extra: Json = {}): Promise<Vars> {
  const created = await e.call<Vars>("keys.createKey", { apiId: API_ID, ...extra });
  return { key: created.key as string, keyId: created.keyId as string };
}

const createKeyBody = () => ({ apiId: API_ID });
const keyVerify = (v: Vars) => ({ key: v.key });

// keys.{add,remove,set}Permissions and addRoles: the key's update right as a
// resource permission, or update_key on the API and the rbac rights.
const keyRbacDenial = (rights: string) =>
  new RegExp(
    `^Missing one of these permissions: unkey:v1:${WORKSPACE_ID}:keyspaces/${KEYSPACE_ID}/keys/key_\\w+#update_key or api\\.\\*\\.update_key or api\\.${API_ID}\\.update_key and ${rights}$`,
  );
const CREATE_PERMISSION_DENIAL = `Missing one of these permissions: unkey:v1:${WORKSPACE_ID}:rbac/permissions/*#create_permission or rbac.*.create_permission`;

export const rightsRows: Row[] = [
  {
    name: "createKey without create_key: masked as 404 api_not_found",
    source: `${ROUTES}/v2_keys_create_key/403_test.go:88-99`,
    ...rootWith("no_create", ["api.*.read_key"]),
    op: "keys.createKey",
    body: createKeyBody,
    expect: API_HIDDEN,
  },
  {
    name: "createKey on an unknown API: the same 404",
    source: `${ROUTES}/v2_keys_create_key/handler.go:78-91`,
    op: "keys.createKey",
    body: () => ({ apiId: "api_unknown" }),
    expect: API_HIDDEN,
  },
  {
    name: "createKey with create_key on the keyspace as a resource permission: 200",
    source: `${ROUTES}/v2_keys_create_key/handler.go:103-118`,
    ...rootWith("ks_create", [urn(`keyspaces/${KEYSPACE_ID}`, "create_key")]),
    op: "keys.createKey",
    body: createKeyBody,
    expect: { status: 200, data: { keyId: expect.stringMatching(/^key_/) } },
  },
  {
    name: "createKey with create_key on another keyspace: masked 404",
    source: `${ROUTES}/v2_keys_create_key/403_test.go:116-129`,
    ...rootWith("other_ks", [urn("keyspaces/ks_other", "create_key")]),
    op: "keys.createKey",
    body: createKeyBody,
    expect: API_HIDDEN,
  },
  {
    name: "resource permission '**#*' grants every resource permission of its workspace",
    source: "pkg/rbac/urn.go:78-82",
    ...rootWith("admin_urn", [urn("**", "*")]),
    op: "keys.createKey",
    body: createKeyBody,
    expect: { status: 200, data: { keyId: expect.stringMatching(/^key_/) } },
  },
  {
    name: "an action wildcard off the global resource is no grant: masked 404",
    source: "pkg/rbac/urn.go:106-108",
    ...rootWith("bad_wildcard", [urn("keyspaces/*", "*")]),
    op: "keys.createKey",
    body: createKeyBody,
    expect: API_HIDDEN,
  },
  {
    name: "resource permissions never stand for legacy tuples ('**#*' does not grant rbac.*.create_role)",
    source: "pkg/rbac/rbac.go:155-170",
    ...rootWith("admin_urn_only", [urn("**", "*")]),
    op: "permissions.createRole",
    body: () => ({ name: "not-allowed" }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: "Missing one of these permissions: rbac.*.create_role",
    },
  },
  {
    name: "verifyKey with verify_key on the keyspace's keys as a resource permission: VALID",
    source: `${ROUTES}/v2_keys_verify_key/handler.go:105-118`,
    ...rootWith("urn_verify", [urn(`keyspaces/${KEYSPACE_ID}/keys/*`, "verify_key")]),
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: keyVerify,
    expect: { status: 200, data: { valid: true, code: "VALID" } },
  },
  {
    name: "a resource permission of another workspace covers nothing: NOT_FOUND",
    source: "pkg/urn/urn.go:49-52",
    ...rootWith("other_ws", ["unkey:v1:ws_other:keyspaces/*/keys/*#verify_key"]),
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: keyVerify,
    expect: { status: 200, exact: { valid: false, code: "NOT_FOUND" } },
  },
  {
    name: "'*' matches one path segment: keyspaces/* does not cover a key",
    source: "pkg/urn/urn.go:43-47",
    ...rootWith("one_segment", [urn("keyspaces/*", "verify_key")]),
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: keyVerify,
    expect: { status: 200, exact: { valid: false, code: "NOT_FOUND" } },
  },
  {
    name: "a trailing '**' covers everything below: keyspaces/ks/** verifies",
    source: "pkg/urn/urn.go:56-60",
    ...rootWith("descendants", [urn(`keyspaces/${KEYSPACE_ID}/**`, "verify_key")]),
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: keyVerify,
    expect: { status: 200, data: { valid: true } },
  },
  {
    name: "apis.listKeys without rights: masked as 404",
    source: `${ROUTES}/v2_apis_list_keys/403_test.go:181-201`,
    ...rootWith("no_list", ["api.*.verify_key"]),
    op: "apis.listKeys",
    body: () => ({ apiId: API_ID }),
    expect: KEYS_HIDDEN,
  },
  {
    name: "apis.listKeys with read_key but not read_api: masked 404",
    source: `${ROUTES}/v2_apis_list_keys/403_test.go:94-114`,
    ...rootWith("read_key_only", ["api.*.read_key"]),
    op: "apis.listKeys",
    body: () => ({ apiId: API_ID }),
    expect: KEYS_HIDDEN,
  },
  {
    name: "apis.listKeys with read_key and read_api: 200",
    source: `${ROUTES}/v2_apis_list_keys/permissions.go:21-48`,
    ...rootWith("read_both", [`api.${API_ID}.read_key`, "api.*.read_api"]),
    setup: (e) => key(e),
    op: "apis.listKeys",
    body: () => ({ apiId: API_ID }),
    expect: { status: 200, data: [{ keyId: expect.stringMatching(/^key_/) }] },
  },
  {
    name: "apis.listKeys with the keys' read_key and the keyspace's read_keyspace as resource permissions: 200",
    source: `${ROUTES}/v2_apis_list_keys/handler.go:113-125`,
    ...rootWith("urn_list", [
      urn(`keyspaces/${KEYSPACE_ID}/keys/*`, "read_key"),
      urn(`keyspaces/${KEYSPACE_ID}`, "read_keyspace"),
    ]),
    op: "apis.listKeys",
    body: () => ({ apiId: API_ID }),
    expect: { status: 200, exact: [] },
  },
  {
    name: "apis.listKeys with the keys' read_key alone as a resource permission: masked 404",
    source: `${ROUTES}/v2_apis_list_keys/handler.go:113-136`,
    ...rootWith("urn_list_half", [urn(`keyspaces/${KEYSPACE_ID}/keys/*`, "read_key")]),
    op: "apis.listKeys",
    body: () => ({ apiId: API_ID }),
    expect: KEYS_HIDDEN,
  },
  {
    name: "whoami without read_key: masked as 404 key_not_found",
    source: `${ROUTES}/v2_keys_whoami/404_test.go:156-168`,
    ...rootWith("whoami_none", ["api.*.create_key"]),
    setup: (e) => key(e),
    op: "keys.whoami",
    body: keyVerify,
    expect: KEY_HIDDEN,
  },
  {
    name: "whoami of an unknown key: 404 with Unkey's wording",
    source: `${ROUTES}/v2_keys_whoami/404_test.go:38-47`,
    op: "keys.whoami",
    body: () => ({ key: "unknown_key_123" }),
    expect: {
      status: 404,
      type: `${ERR}/unkey/data/key_not_found`,
      detail: "We could not find the requested key.",
    },
  },
  {
    name: "whoami with read_key on the key as a resource permission: 200",
    source: `${ROUTES}/v2_keys_whoami/handler.go:85-100`,
    ...rootWith("whoami_urn", [urn(`keyspaces/${KEYSPACE_ID}/keys/*`, "read_key")]),
    setup: (e) => key(e),
    op: "keys.whoami",
    body: keyVerify,
    expect: { status: 200, data: (v: Vars) => ({ keyId: v.keyId }) },
  },
  {
    name: "addPermissions with update_key alone: 403, rbac.*.add_permission_to_key missing",
    source: `${ROUTES}/v2_keys_add_permissions/handler.go:87-116`,
    ...rootWith("update_only", ["api.*.update_key"]),
    setup: async (e) => {
      await e.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
      return key(e);
    },
    op: "keys.addPermissions",
    body: (v) => ({ keyId: v.keyId, permissions: ["docs.read"] }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: keyRbacDenial("rbac\\.\\*\\.add_permission_to_key"),
    },
  },
  {
    name: "addPermissions of a new slug also needs create_permission: 403",
    source: `${ROUTES}/v2_keys_add_permissions/handler.go:169-183`,
    ...rootWith("add_perm", ["api.*.update_key", "rbac.*.add_permission_to_key"]),
    setup: (e) => key(e),
    op: "keys.addPermissions",
    body: (v) => ({ keyId: v.keyId, permissions: ["brand.new"] }),
    expect: { status: 403, type: FORBIDDEN, detail: CREATE_PERMISSION_DENIAL },
  },
  {
    name: "addPermissions of an existing slug with update_key and add_permission_to_key: 200",
    source: `${ROUTES}/v2_keys_add_permissions/handler.go:87-116`,
    ...rootWith("add_perm_ok", ["api.*.update_key", "rbac.*.add_permission_to_key"]),
    setup: async (e) => {
      await e.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
      return key(e);
    },
    op: "keys.addPermissions",
    body: (v) => ({ keyId: v.keyId, permissions: ["docs.read"] }),
    expect: { status: 200, data: [{ slug: "docs.read" }] },
  },
  {
    name: "addPermissions with update_key on the key as a resource permission needs no rbac right",
    source: `${ROUTES}/v2_keys_add_permissions/handler.go:88-92`,
    ...rootWith("urn_update", [urn(`keyspaces/${KEYSPACE_ID}/keys/*`, "update_key")]),
    setup: async (e) => {
      await e.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
      return key(e);
    },
    op: "keys.addPermissions",
    body: (v) => ({ keyId: v.keyId, permissions: ["docs.read"] }),
    expect: { status: 200, data: [{ slug: "docs.read" }] },
  },
  {
    name: "removePermissions with update_key alone: 403, remove_permission_from_key missing",
    source: `${ROUTES}/v2_keys_remove_permissions/handler.go:78-107`,
    ...rootWith("remove_update_only", ["api.*.update_key"]),
    setup: (e) => key(e, { permissions: ["docs.read"] }),
    op: "keys.removePermissions",
    body: (v) => ({ keyId: v.keyId, permissions: ["docs.read"] }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: keyRbacDenial("rbac\\.\\*\\.remove_permission_from_key"),
    },
  },
  {
    name: "setPermissions needs both add_ and remove_permission_from_key: 403 with add alone",
    source: `${ROUTES}/v2_keys_set_permissions/handler.go:87-121`,
    ...rootWith("set_add_only", ["api.*.update_key", "rbac.*.add_permission_to_key"]),
    setup: (e) => key(e, { permissions: ["docs.read"] }),
    op: "keys.setPermissions",
    body: (v) => ({ keyId: v.keyId, permissions: ["docs.read"] }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: keyRbacDenial(
        "rbac\\.\\*\\.add_permission_to_key and rbac\\.\\*\\.remove_permission_from_key",
      ),
    },
  },
  {
    name: "addRoles with update_key alone: 403, rbac.*.add_role_to_key missing",
    source: `${ROUTES}/v2_keys_add_roles/403_test.go:34-76`,
    ...rootWith("roles_update_only", ["api.*.update_key"]),
    setup: async (e) => {
      await e.call("permissions.createRole", { name: "reader" });
      return key(e);
    },
    op: "keys.addRoles",
    body: (v) => ({ keyId: v.keyId, roles: ["reader"] }),
    expect: { status: 403, type: FORBIDDEN, detail: keyRbacDenial("rbac\\.\\*\\.add_role_to_key") },
  },
  {
    name: "addRoles with update_key and add_role_to_key: 200",
    source: `${ROUTES}/v2_keys_add_roles/handler.go:79-105`,
    ...rootWith("roles_ok", [`api.${API_ID}.update_key`, "rbac.*.add_role_to_key"]),
    setup: async (e) => {
      await e.call("permissions.createRole", { name: "reader" });
      return key(e);
    },
    op: "keys.addRoles",
    body: (v) => ({ keyId: v.keyId, roles: ["reader"] }),
    expect: { status: 200, data: [{ name: "reader" }] },
  },
  {
    name: "removeRoles needs update_key only, no rbac right",
    source: `${ROUTES}/v2_keys_remove_roles/handler.go:79-94`,
    ...rootWith("remove_roles", ["api.*.update_key"]),
    setup: async (e) => {
      await e.call("permissions.createRole", { name: "reader" });
      return key(e, { roles: ["reader"] });
    },
    op: "keys.removeRoles",
    body: (v) => ({ keyId: v.keyId, roles: ["reader"] }),
    expect: { status: 200, exact: [] },
  },
  {
    name: "createRole without create_role: 403 (an OR of one grant)",
    source: `${ROUTES}/v2_permissions_create_role/403_test.go:31-54`,
    ...rootWith("no_role", ["rbac.*.read_role"]),
    op: "permissions.createRole",
    body: () => ({ name: "editor" }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: "Missing one of these permissions: rbac.*.create_role",
    },
  },
  {
    name: "createRole with permissions needs add_permission_to_role: 403",
    source: `${ROUTES}/v2_permissions_create_role/handler.go:95-104`,
    ...rootWith("role_only", ["rbac.*.create_role", "rbac.*.create_permission"]),
    op: "permissions.createRole",
    body: () => ({ name: "editor", permissions: ["docs.read"] }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: "Missing permission: 'rbac.*.add_permission_to_role'",
    },
  },
  {
    name: "createRole creating a permission needs create_permission: 403",
    source: `${ROUTES}/v2_permissions_create_role/handler.go:142-149`,
    ...rootWith("role_add", ["rbac.*.create_role", "rbac.*.add_permission_to_role"]),
    op: "permissions.createRole",
    body: () => ({ name: "editor", permissions: ["brand.new"] }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: "Missing permission: 'rbac.*.create_permission'",
    },
  },
  {
    name: "createRole finds existing slugs case-insensitively: no create_permission needed",
    source: `${ROUTES}/v2_permissions_create_role/handler.go:128-140`,
    ...rootWith("role_add_ci", ["rbac.*.create_role", "rbac.*.add_permission_to_role"]),
    setup: async (e) => {
      await e.call("permissions.createPermission", { name: "Docs", slug: "docs.read" });
      return {};
    },
    op: "permissions.createRole",
    body: () => ({ name: "editor", permissions: ["DOCS.READ"] }),
    expect: { status: 200, data: { roleId: expect.stringMatching(/^role_/) } },
  },
  {
    name: "createRole with a name in use: 409 in Unkey's words",
    source: `${ROUTES}/v2_permissions_create_role/handler.go:220-226`,
    setup: async (e) => {
      await e.call("permissions.createRole", { name: "editor" });
      return {};
    },
    op: "permissions.createRole",
    body: () => ({ name: "editor" }),
    expect: {
      status: 409,
      type: `${ERR}/unkey/data/role_already_exists`,
      detail: "A role with name 'editor' already exists in this workspace",
    },
  },
  {
    name: "getIdentity with read_identity on that identity only: 200",
    source: `${ROUTES}/v2_identities_get_identity/handler.go:79-94`,
    seed: {
      identities: [{ externalId: "seeded_user" }],
      rootKeys: [
        { key: "root_one_identity", permissions: ["identity.id_seeded_user.read_identity"] },
      ],
    },
    root: "root_one_identity",
    op: "identities.getIdentity",
    body: () => ({ identity: "seeded_user" }),
    expect: { status: 200, data: { id: "id_seeded_user", externalId: "seeded_user" } },
  },
  {
    name: "createIdentity with create_identity on every project's identities as a resource permission: 200",
    source: `${ROUTES}/v2_identities_create_identity/handler.go:68-78`,
    ...rootWith("urn_identity", [urn("projects/*/identities/*", "create_identity")]),
    op: "identities.createIdentity",
    body: () => ({ externalId: "urn-created" }),
    expect: { status: 200, data: { identityId: expect.stringMatching(/^id_/) } },
  },
];
