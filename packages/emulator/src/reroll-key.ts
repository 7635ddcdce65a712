// keys.rerollKey, transcribed from unkeyed/unkey
// svc/api/routes/v2_keys_reroll_key/handler.go.
import type { Context, HandlerResult } from "./context";
import { applyRefill } from "./credits";
import { notFound } from "./errors";
import { newId, randomBase58 } from "./ids";
import { hashKey, keyStart } from "./resources";
import { rights } from "./rights";
import type { Body } from "./schemas";
import type { KeyRecord } from "./state";

const MINUTE_MS = 60_000;

// handler.go lines 311-320: the old key expires `expiration` ms from now,
// rounded up to the next whole minute, or right now for 0.
function overlapEnd(now: number, expiration: number): number {
  if (expiration === 0) return now;
  const end = now + expiration;
  const minute = Math.floor(end / MINUTE_MS) * MINUTE_MS;
  return minute === end ? end : minute + MINUTE_MS;
}

// handler.go lines 131-145: the prefix is what precedes the first "_" of the
// old key's `start` (none without one; the emulator's APIs have no default
// prefix), and the length is 16 bytes (the APIs have no default either).
function newPlaintext(old: KeyRecord): string {
  const parts = old.start.split("_");
  const prefix = parts.length > 1 ? (parts[0] as string) : "";
  const random = randomBase58(16);
  return prefix ? `${prefix}_${random}` : random;
}

// handler.go lines 196-309: the new key copies the old one's name, meta,
// expiry, enabled state, identity, credits and refill, its own rate limits
// (new ids), roles and direct permissions.
function copyOf(old: KeyRecord, plaintext: string, now: number): KeyRecord {
  const copy: KeyRecord = {
    id: newId("key"),
    apiId: old.apiId,
    hash: hashKey(plaintext),
    start: keyStart(plaintext),
    enabled: old.enabled,
    createdAt: now,
    ratelimits: old.ratelimits.map((rl) => ({ ...rl, id: newId("rl") })),
    permissionIds: [...old.permissionIds],
    roleIds: [...old.roleIds],
  };
  if (old.name !== undefined) copy.name = old.name;
  if (old.meta !== undefined) copy.meta = structuredClone(old.meta);
  if (old.expires !== undefined) copy.expires = old.expires;
  if (old.identityId !== undefined) copy.identityId = old.identityId;
  if (old.credits) {
    copy.credits = { ...old.credits, lastRefillAt: now };
    if (old.credits.refill) copy.credits.refill = { ...old.credits.refill };
  }
  return copy;
}

/**
 * Issues a new key with the old one's settings; the old key keeps verifying
 * until the overlap ends, then answers EXPIRED. Needs the right to create keys
 * in the old key's API (403 otherwise); an unknown key is a 404.
 */
export function rerollKey(ctx: Context, body: Body<"keys.rerollKey">): HandlerResult {
  const old = ctx.state.keys.get(body.keyId);
  if (!old) throw notFound("key", "The specified key was not found.");
  const api = ctx.state.apis.get(old.apiId);
  ctx.authorize(rights.rerollKey(ctx.root.workspaceId, old.apiId, api?.keyspaceId ?? ""));
  const now = ctx.now();
  // A refill that came due is the old key's state at Unkey already (its cron ran).
  if (old.credits) applyRefill(old.credits, now);
  const plaintext = newPlaintext(old);
  const copy = copyOf(old, plaintext, now);
  ctx.state.addKey(copy);
  old.expires = overlapEnd(now, body.expiration);
  // The handler's UpdateKey leaves `now` unset: updated_at_m becomes 0, which
  // KeyResponseData then omits.
  delete old.updatedAt;
  ctx.changed();
  return { data: { keyId: copy.id, key: plaintext } };
}
