// keys.migrateKeys, transcribed from unkeyed/unkey
// svc/api/routes/v2_keys_migrate_keys/handler.go.
import { CODES } from "./codes";
import type { Context, HandlerResult } from "./context";
import { ApiError, invalidInput, notFound } from "./errors";
import { newId } from "./ids";
import { ensureIdentity, toRatelimits } from "./resources";
import { rights } from "./rights";
import type { Body } from "./schemas";
import type { CreditsRecord, KeyRecord, State } from "./state";

type MigratedKey = Body<"keys.migrateKeys">["keys"][number];

// handler.go lines 214-243: `remaining` as given (null: unlimited), the refill
// amount, and refillDay only for a monthly refill, which needs one.
function creditsOf(input: MigratedKey["credits"], now: number): CreditsRecord | undefined {
  if (!input) return undefined;
  const refill = input.refill;
  if (refill?.interval === "monthly" && refill.refillDay === undefined) {
    throw invalidInput("`refillDay` must be provided when the refill interval is `monthly`.");
  }
  const credits: CreditsRecord = { remaining: input.remaining, lastRefillAt: now };
  if (refill?.interval === "monthly") {
    credits.refill = {
      interval: "monthly",
      amount: refill.amount,
      refillDay: refill.refillDay as number,
    };
  } else if (refill) credits.refill = { interval: "daily", amount: refill.amount };
  return credits;
}

// handler.go lines 311-402: unknown permission slugs and role names are created
// (name = slug; roles too, unlike createKey), with no rbac right asked.
function permissionIdsOf(state: State, slugs: readonly string[], now: number): string[] {
  return [...new Set(slugs)].map((slug) => {
    const found = state.permissionsBySlug.get(slug);
    if (found) return found.id;
    const created = { id: newId("perm"), name: slug, slug, createdAt: now };
    state.addPermission(created);
    return created.id;
  });
}

function roleIdsOf(state: State, names: readonly string[], now: number): string[] {
  return [...new Set(names)].map((name) => {
    const found = state.rolesByName.get(name);
    if (found) return found.id;
    const created = { id: newId("role"), name, permissionIds: [], createdAt: now };
    state.addRole(created);
    return created.id;
  });
}

// handler.go lines 245-402: identities, permissions and roles named by any key
// of the request are created, those of keys that fail included.
function ensureReferences(ctx: Context, input: MigratedKey, now: number) {
  const permissionIds = permissionIdsOf(ctx.state, input.permissions ?? [], now);
  const roleIds = roleIdsOf(ctx.state, input.roles ?? [], now);
  const identityId =
    input.externalId !== undefined
      ? ensureIdentity(ctx.state, input.externalId, now).id
      : undefined;
  return { permissionIds, roleIds, identityId };
}

function migratedRecord(
  input: MigratedKey,
  refs: ReturnType<typeof ensureReferences>,
  place: { apiId: string; migrationId: string; now: number },
): KeyRecord {
  const record: KeyRecord = {
    id: newId("key"),
    apiId: place.apiId,
    hash: input.hash,
    // handler.go line 183: unknown until the first verification rehashes it.
    start: "",
    enabled: input.enabled ?? true,
    createdAt: place.now,
    ratelimits: toRatelimits(input.ratelimits),
    permissionIds: refs.permissionIds,
    roleIds: refs.roleIds,
    pendingMigrationId: place.migrationId,
  };
  const credits = creditsOf(input.credits, place.now);
  if (input.name !== undefined) record.name = input.name;
  if (input.meta !== undefined) record.meta = input.meta;
  if (input.expires !== undefined) record.expires = input.expires;
  if (credits) record.credits = credits;
  if (refs.identityId !== undefined) record.identityId = refs.identityId;
  return record;
}

/**
 * Imports keys by the hash the migration's algorithm gives them; each stays
 * pending that migration until keys.verifyKey, given its migrationId, rehashes
 * it. Hashes already in use are answered under `failed`, which is `null` when
 * none did: the handler's nil slice, which Go encodes as null.
 */
export function migrateKeys(ctx: Context, body: Body<"keys.migrateKeys">): HandlerResult {
  ctx.authorize(rights.migrateKeys(body.apiId));
  const api = ctx.state.apis.get(body.apiId);
  if (!api) throw notFound("api", "The requested API does not exist or has been deleted.");
  const migration = ctx.state.migrations.get(body.migrationId);
  if (!migration) {
    throw notFound("migration", "The requested Migration does not exist or has been deleted.");
  }
  const now = ctx.now();
  for (const input of body.keys) creditsOf(input.credits, now);
  const hashes = body.keys.map((key) => key.hash);
  // Twice the same hash in one request makes Unkey's bulk insert fail on the
  // keys' unique hash: the transaction and the request fail whole, a 500.
  if (new Set(hashes).size < hashes.length) {
    throw new ApiError(500, CODES.unexpectedError, "Failed to migrate keys.");
  }
  const failed = hashes.filter((hash) => ctx.state.keysByHash.has(hash));
  const place = { apiId: api.id, migrationId: migration.id, now };
  const migrated = [];
  for (const input of body.keys) {
    const refs = ensureReferences(ctx, input, now);
    if (failed.includes(input.hash)) continue;
    const record = migratedRecord(input, refs, place);
    ctx.state.addKey(record);
    migrated.push({ hash: record.hash, keyId: record.id });
  }
  ctx.changed();
  return { data: { migrated, failed: failed.length > 0 ? failed : null } };
}
