import { createHash } from "node:crypto";
import { creditsForCreate } from "./credit-rules";
import { ApiError, invalidInput, notFound } from "./errors";
import { newId, randomBase58 } from "./ids";
import type { KeyPlace } from "./rights";
import type {
  ApiRecord,
  CreditsRecord,
  IdentityRecord,
  KeyRecord,
  RatelimitRecord,
  RefillRecord,
  State,
} from "./state";

/** SHA-256 of a key: the only form in which keys are stored. */
export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("base64");
}

/** The visible beginning of a key, like Unkey's `start` (prefix plus a few characters). */
export function keyStart(key: string): string {
  const separator = key.lastIndexOf("_");
  const shown = separator >= 0 ? separator + 1 + 4 : 4;
  return key.slice(0, Math.min(shown, Math.floor(key.length / 2)));
}

export function requireApi(state: State, apiId: string): ApiRecord {
  const api = state.apis.get(apiId);
  if (!api) throw notFound("api", `The api "${apiId}" does not exist.`);
  return api;
}

/** Where a key lives, for the resource permissions naming it. */
export function keyPlace(state: State, key: KeyRecord): KeyPlace {
  const api = state.apis.get(key.apiId);
  return { apiId: key.apiId, keyspaceId: api?.keyspaceId ?? "", keyId: key.id };
}

export function requireKey(state: State, keyId: string): KeyRecord {
  const key = state.keys.get(keyId);
  if (!key) throw notFound("key", `The key "${keyId}" does not exist.`);
  return key;
}

/**
 * Resolves permissions by id, slug or name. Unknown ones are created on the fly
 * (slug = name = the given text), as Unkey does for keys' permissions.
 */
export function resolvePermissions(state: State, refs: readonly string[], now: number): string[] {
  const ids = new Set<string>();
  for (const ref of refs) {
    let permission = state.findPermission(ref);
    if (!permission) {
      // The spec's slug pattern (svc/api/openapi/spec: ^[a-zA-Z0-9_:\-\.\*]+$, no `/`).
      if (!/^[a-zA-Z0-9_:\-.*]{1,128}$/.test(ref)) {
        throw invalidInput(`"${ref}" is not a valid permission slug.`, [
          { location: "body.permissions", message: `invalid permission slug "${ref}"` },
        ]);
      }
      permission = { id: newId("perm"), name: ref, slug: ref, createdAt: now };
      state.addPermission(permission);
    }
    ids.add(permission.id);
  }
  return [...ids];
}

/** Resolves roles by id or name; an unknown role is a 404. */
export function resolveRoles(state: State, refs: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const ref of refs) {
    const role = state.findRole(ref);
    if (!role) throw notFound("role", `The role "${ref}" does not exist.`);
    ids.add(role.id);
  }
  return [...ids];
}

/** The identity with this external id, created if missing (as Unkey's createKey does). */
export function ensureIdentity(state: State, externalId: string, now: number): IdentityRecord {
  const existing = state.identitiesByExternalId.get(externalId);
  if (existing) return existing;
  const identity: IdentityRecord = { id: newId("id"), externalId, ratelimits: [], createdAt: now };
  state.addIdentity(identity);
  return identity;
}

/** Builds stored rate limits from request or seed input. */
export function toRatelimits(
  input: readonly { name: string; limit: number; duration: number; autoApply?: boolean }[] = [],
): RatelimitRecord[] {
  const byName = new Map<string, RatelimitRecord>();
  for (const rl of input) {
    byName.set(rl.name, {
      id: newId("rl"),
      name: rl.name,
      limit: rl.limit,
      duration: rl.duration,
      autoApply: rl.autoApply ?? false,
    });
  }
  return [...byName.values()];
}

/** Builds stored credits from request or seed input. */
export function toCredits(
  input: { remaining: number | null; refill?: RefillRecord | undefined },
  now: number,
): CreditsRecord {
  const credits: CreditsRecord = { remaining: input.remaining, lastRefillAt: now };
  if (input.refill) credits.refill = { ...input.refill };
  return credits;
}

/** What creating a key takes, from createKey or from a seed. */
export interface NewKeyInput {
  apiId: string;
  /** A fixed plaintext (seeds); generated when absent. */
  plaintext?: string;
  id?: string;
  prefix?: string;
  byteLength?: number;
  name?: string;
  externalId?: string;
  meta?: Record<string, unknown>;
  roles?: string[];
  permissions?: string[];
  expires?: number;
  credits?: {
    remaining: number | null;
    refill?: { interval: "daily" | "monthly"; amount: number; refillDay?: number | undefined };
  };
  ratelimits?: { name: string; limit: number; duration: number; autoApply?: boolean }[];
  enabled?: boolean;
}

/** Creates and stores a key; returns the record and its plaintext (shown once). */
export function createKeyRecord(
  state: State,
  input: NewKeyInput,
  now: number,
): { record: KeyRecord; plaintext: string } {
  requireApi(state, input.apiId);
  // Everything that can refuse the request runs before anything is stored.
  const credits = input.credits ? creditsForCreate(input.credits, now) : undefined;
  const roleIds = resolveRoles(state, input.roles ?? []);
  const random = randomBase58(input.byteLength ?? 16);
  const plaintext = input.plaintext ?? (input.prefix ? `${input.prefix}_${random}` : random);
  const hash = hashKey(plaintext);
  if (state.keysByHash.has(hash)) {
    throw new ApiError(
      409,
      "unkey/data/key_already_exists",
      "A key with this value already exists.",
    );
  }
  const record: KeyRecord = {
    id: input.id ?? newId("key"),
    apiId: input.apiId,
    hash,
    start: keyStart(plaintext),
    enabled: input.enabled ?? true,
    createdAt: now,
    ratelimits: toRatelimits(input.ratelimits),
    permissionIds: resolvePermissions(state, input.permissions ?? [], now),
    roleIds,
  };
  if (input.name !== undefined) record.name = input.name;
  if (input.meta !== undefined) record.meta = input.meta;
  if (input.expires !== undefined) record.expires = input.expires;
  if (credits) record.credits = credits;
  if (input.externalId !== undefined) {
    record.identityId = ensureIdentity(state, input.externalId, now).id;
  }
  state.addKey(record);
  return { record, plaintext };
}

/** Cursor pagination over a list ordered by id: the cursor is the last id returned. */
export function paginate<T extends { id: string }>(
  items: T[],
  limit: number | undefined,
  cursor: string | undefined,
): { page: T[]; pagination: { cursor?: string; hasMore: boolean } } {
  const sorted = items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const from = cursor ? sorted.findIndex((item) => item.id > cursor) : 0;
  const start = from < 0 ? sorted.length : from;
  const size = limit ?? 100;
  const page = sorted.slice(start, start + size);
  const hasMore = start + size < sorted.length;
  const last = page[page.length - 1];
  return { page, pagination: hasMore && last ? { cursor: last.id, hasMore } : { hasMore } };
}
