// Contract rows for keys.migrateKeys and keys.verifyKey's migrationId,
// transcribed from unkeyed/unkey svc/api/routes/v2_keys_migrate_keys,
// svc/api/routes/v2_keys_verify_key and internal/services/keys/get_migrated.go.
import type { Emulator } from "../src/index";
import { API_ID, type Row, type Vars } from "./contract-table";
import { MIGRATION, SHA256_MIGRATION, seamapiKey } from "./contract-workspace";
import type { Json } from "./helpers";

const MIGRATE = "svc/api/routes/v2_keys_migrate_keys";
const GET_MIGRATED = "internal/services/keys/get_migrated.go";
const ERR = "https://unkey.com/docs/errors";
const IMPORTED = seamapiKey("re", "short", "longtokenlongtoken");

/** Imports IMPORTED under `migrationId` with `extra` settings; answers its key id. */
const imported =
  (extra: Json = {}, migrationId: string = MIGRATION.id) =>
  async (e: Emulator): Promise<Vars> => {
    const { migrated } = await e.call<{ migrated: { keyId: string }[] }>("keys.migrateKeys", {
      apiId: API_ID,
      migrationId,
      keys: [{ hash: IMPORTED.hash, ...extra }],
    });
    return { keyId: migrated[0]?.keyId ?? "" };
  };

/** Imports IMPORTED, then verifies it once with its migrationId. */
const migratedOnce = async (e: Emulator): Promise<Vars> => {
  const vars = await imported()(e);
  await e.call("keys.verifyKey", { key: IMPORTED.key, migrationId: MIGRATION.id });
  return vars;
};

const verifyImported = (migrationId?: string) => () => ({
  key: IMPORTED.key,
  ...(migrationId ? { migrationId } : {}),
});

const NOT_FOUND = { valid: false, code: "NOT_FOUND" };
const OTHER_MIGRATION = {
  id: "mig_other",
  algorithm: "github.com/seamapi/prefixed-api-key",
} as const;

export const migrateRows: Row[] = [
  {
    name: "migrated key without its migrationId: NOT_FOUND",
    source: "svc/api/routes/v2_keys_verify_key/handler.go:65-75",
    setup: imported(),
    op: "keys.verifyKey",
    body: verifyImported(),
    expect: { status: 200, exact: NOT_FOUND },
  },
  {
    name: "migrated key with its migrationId: VALID, with the settings it was imported with",
    source: "svc/api/routes/v2_keys_verify_key/migration_test.go:56-100",
    setup: imported({ name: "imported", credits: { remaining: 10 }, externalId: "migrated-user" }),
    op: "keys.verifyKey",
    body: verifyImported(MIGRATION.id),
    expect: {
      status: 200,
      data: (v: Vars) => ({
        valid: true,
        keyId: v.keyId,
        name: "imported",
        credits: 9,
        identity: { externalId: "migrated-user" },
      }),
    },
  },
  {
    name: "once verified with its migrationId, the key verifies without it",
    source: `${GET_MIGRATED}:126-148`,
    setup: migratedOnce,
    op: "keys.verifyKey",
    body: verifyImported(),
    expect: { status: 200, data: (v: Vars) => ({ valid: true, keyId: v.keyId }) },
  },
  {
    name: "a migrated key's start is empty until its first verification",
    source: `${MIGRATE}/handler.go:183`,
    setup: imported(),
    op: "keys.getKey",
    body: (v) => ({ keyId: v.keyId }),
    expect: { status: 200, data: { start: "" } },
  },
  {
    name: "the first verification sets start: the prefix and 4 characters",
    source: "svc/api/routes/v2_keys_verify_key/migration_test.go:113-120",
    setup: migratedOnce,
    op: "keys.getKey",
    body: (v) => ({ keyId: v.keyId }),
    expect: { status: 200, data: { start: "re_shor" } },
  },
  {
    name: "a key pending another migration of the same algorithm verifies with this one",
    source: `${GET_MIGRATED}:121-126`,
    seed: { keyMigrations: [OTHER_MIGRATION] },
    setup: imported({}, OTHER_MIGRATION.id),
    op: "keys.verifyKey",
    body: verifyImported(MIGRATION.id),
    expect: { status: 200, data: (v: Vars) => ({ valid: true, keyId: v.keyId }) },
  },
  {
    name: "... but is rehashed only by its own: without a migrationId it is still NOT_FOUND",
    source: `${GET_MIGRATED}:126-148`,
    seed: { keyMigrations: [OTHER_MIGRATION] },
    setup: async (e) => {
      const vars = await imported({}, OTHER_MIGRATION.id)(e);
      await e.call("keys.verifyKey", { key: IMPORTED.key, migrationId: MIGRATION.id });
      return vars;
    },
    op: "keys.verifyKey",
    body: verifyImported(),
    expect: { status: 200, exact: NOT_FOUND },
  },
  {
    name: "verify with an unknown migrationId: NOT_FOUND",
    source: `${GET_MIGRATED}:38-53`,
    setup: imported(),
    op: "keys.verifyKey",
    body: verifyImported("mig_unknown"),
    expect: { status: 200, exact: NOT_FOUND },
  },
  {
    name: "verify with a sha256 migration finds nothing more",
    source: `${GET_MIGRATED}:102-113`,
    setup: imported(),
    op: "keys.verifyKey",
    body: verifyImported(SHA256_MIGRATION.id),
    expect: { status: 200, exact: NOT_FOUND },
  },
  {
    name: "verify with a migrationId and a key of fewer than 3 parts: 400 malformed",
    source: `${GET_MIGRATED}:73-80`,
    op: "keys.verifyKey",
    body: () => ({ key: "no_parts", migrationId: MIGRATION.id }),
    expect: {
      status: 400,
      type: `${ERR}/unkey/authentication/malformed`,
      detail: "Invalid key format",
    },
  },
  {
    name: "migrateKeys: nothing failed answers failed null (Go's nil slice)",
    source: `${MIGRATE}/handler.go:143-173`,
    op: "keys.migrateKeys",
    body: () => ({ apiId: API_ID, migrationId: MIGRATION.id, keys: [{ hash: IMPORTED.hash }] }),
    httpOnly: "@unkey/api 2.5.1 rejects Unkey's `failed: null` with a ResponseValidationError",
    expect: {
      status: 200,
      data: { migrated: [{ hash: IMPORTED.hash }], failed: null },
    },
  },
  {
    name: "migrateKeys: a hash already in use is listed under failed",
    source: `${MIGRATE}/200_test.go:221-233`,
    setup: imported(),
    op: "keys.migrateKeys",
    body: () => ({ apiId: API_ID, migrationId: MIGRATION.id, keys: [{ hash: IMPORTED.hash }] }),
    expect: { status: 200, exact: { migrated: [], failed: [IMPORTED.hash] } },
  },
  {
    name: "migrateKeys: unknown roles are created, unlike createKey",
    source: `${MIGRATE}/handler.go:386-402`,
    setup: imported({ roles: ["migrated-role"], permissions: ["migrated.perm"] }),
    op: "keys.getKey",
    body: (v) => ({ keyId: v.keyId }),
    expect: { status: 200, data: { roles: ["migrated-role"], permissions: ["migrated.perm"] } },
  },
  {
    name: "migrateKeys: an unknown migration is 404 migration_not_found",
    source: `${MIGRATE}/handler.go:123-132`,
    op: "keys.migrateKeys",
    body: () => ({ apiId: API_ID, migrationId: "mig_unknown", keys: [{ hash: IMPORTED.hash }] }),
    expect: {
      status: 404,
      type: `${ERR}/unkey/data/migration_not_found`,
      detail: "The requested Migration does not exist or has been deleted.",
    },
  },
  {
    name: "migrateKeys: an unknown API is 404 api_not_found",
    source: `${MIGRATE}/404_test.go:48-64`,
    op: "keys.migrateKeys",
    body: () => ({
      apiId: "api_unknown",
      migrationId: MIGRATION.id,
      keys: [{ hash: IMPORTED.hash }],
    }),
    expect: {
      status: 404,
      type: `${ERR}/unkey/data/api_not_found`,
      detail: "The requested API does not exist or has been deleted.",
    },
  },
  {
    name: "migrateKeys: without create_key on the API, 403",
    source: `${MIGRATE}/handler.go:65-79`,
    seed: { rootKeys: [{ key: "root_migrate_read", permissions: ["api.*.read_key"] }] },
    root: "root_migrate_read",
    op: "keys.migrateKeys",
    body: () => ({ apiId: API_ID, migrationId: MIGRATION.id, keys: [{ hash: IMPORTED.hash }] }),
    expect: {
      status: 403,
      type: `${ERR}/unkey/authorization/insufficient_permissions`,
      detail: `Missing one of these permissions: api.${API_ID}.create_key or api.*.create_key`,
    },
  },
  {
    name: "migrateKeys: a monthly refill needs refillDay",
    source: `${MIGRATE}/handler.go:228-235`,
    op: "keys.migrateKeys",
    body: () => ({
      apiId: API_ID,
      migrationId: MIGRATION.id,
      keys: [
        {
          hash: IMPORTED.hash,
          credits: { remaining: 5, refill: { interval: "monthly", amount: 5 } },
        },
      ],
    }),
    expect: {
      status: 400,
      type: `${ERR}/unkey/application/invalid_input`,
      detail: "`refillDay` must be provided when the refill interval is `monthly`.",
    },
  },
];
