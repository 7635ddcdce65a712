// keys.verifyKey's lookup of a key imported by keys.migrateKeys, transcribed
// from unkeyed/unkey internal/services/keys/get_migrated.go (GetMigrated) and
// svc/api/routes/v2_keys_verify_key/handler.go lines 65-75.
import { createHash } from "node:crypto";
import { CODES } from "./codes";
import type { Context } from "./context";
import { ApiError } from "./errors";
import { hashKey } from "./resources";
import type { KeyRecord } from "./state";

// get_migrated.go lines 69-101: `prefix_shortToken_longToken`, split from the
// right because the prefix may hold underscores; the key was imported under
// hex(sha256(longToken)), and its `start` is the prefix and 4 characters.
function seamapiLookup(rawKey: string): { hash: string; start: string } {
  const parts = rawKey.split("_");
  if (parts.length < 3) {
    throw new ApiError(400, CODES.authMalformed, "Invalid key format");
  }
  const longToken = parts[parts.length - 1] as string;
  const shortToken = parts[parts.length - 2] as string;
  const prefix = parts.slice(0, -2).join("_");
  const hash = createHash("sha256").update(longToken).digest("hex");
  return { hash, start: `${prefix}_${`${shortToken}_${longToken}`.slice(0, 4)}` };
}

/**
 * The key a verification names: by the SHA-256 of the key, else (with a
 * `migrationId`) by the hash the migration's algorithm gives. A key still
 * pending that very migration is rehashed to SHA-256 on the spot, so it then
 * verifies without the migrationId; this happens before the root key's rights
 * are checked, as at Unkey. An unknown migration, or one of algorithm `sha256`
 * (its keys verify directly), finds nothing.
 */
export function findKeyToVerify(
  ctx: Context,
  rawKey: string,
  migrationId: string | undefined,
): KeyRecord | undefined {
  const direct = ctx.state.keysByHash.get(hashKey(rawKey));
  if (direct || migrationId === undefined) return direct;
  const migration = ctx.state.migrations.get(migrationId);
  if (migration?.algorithm !== "github.com/seamapi/prefixed-api-key") return undefined;
  const { hash, start } = seamapiLookup(rawKey);
  const key = ctx.state.keysByHash.get(hash);
  if (key && key.pendingMigrationId === migrationId) {
    ctx.state.removeKey(key);
    key.hash = hashKey(rawKey);
    key.start = start;
    delete key.pendingMigrationId;
    key.updatedAt = ctx.now();
    ctx.state.addKey(key);
    ctx.changed();
  }
  return key;
}
