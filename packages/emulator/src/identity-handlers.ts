// identities.updateIdentity, listIdentities and deleteIdentity, transcribed
// from unkeyed/unkey svc/api/routes/v2_identities_{update,list,delete}_identity/handler.go.
import { requireMaxJsonBytes } from "./byte-limit";
import type { Context, HandlerResult } from "./context";
import { invalidInput, notFound } from "./errors";
import { newId } from "./ids";
import { rights } from "./rights";
import type { Body } from "./schemas";
import type { IdentityRecord, RatelimitRecord } from "./state";
import { ratelimitView } from "./views";

const ws = (ctx: Context) => ctx.root.workspaceId;

function requireIdentity(ctx: Context, ref: string): IdentityRecord {
  const identity = ctx.state.findIdentity(ref);
  if (!identity) throw notFound("identity", "This identity does not exist.");
  return identity;
}

// Unkey's `Identity` marshals meta and ratelimits with `omitempty`
// (svc/api/openapi/gen.go), so empty ones are left out.
function identityData(identity: IdentityRecord, meta: Record<string, unknown> | undefined) {
  const data: Record<string, unknown> = { externalId: identity.externalId, id: identity.id };
  if (meta && Object.keys(meta).length > 0) data.meta = meta;
  if (identity.ratelimits.length > 0) data.ratelimits = identity.ratelimits.map(ratelimitView);
  return data;
}

// update handler.go lines 196-376: limits named as before keep their id and
// take the new values; others are created; the ones not named are deleted.
function replaceRatelimits(
  current: RatelimitRecord[],
  wanted: Body<"identities.updateIdentity">["ratelimits"] & object,
): RatelimitRecord[] {
  const byName = new Map(current.map((rl) => [rl.name, rl]));
  return wanted.map((rl) => ({
    id: byName.get(rl.name)?.id ?? newId("rl"),
    name: rl.name,
    limit: rl.limit,
    duration: rl.duration,
    autoApply: rl.autoApply,
  }));
}

/**
 * Replaces an identity's meta and/or rate limits (each only when given). The
 * answer's `meta` is the request's: absent when the request sent none.
 */
export function updateIdentity(
  ctx: Context,
  body: Body<"identities.updateIdentity">,
): HandlerResult {
  ctx.authorize(rights.updateIdentity(ws(ctx)));
  const names = new Set<string>();
  for (const rl of body.ratelimits ?? []) {
    if (names.has(rl.name)) {
      throw invalidInput(`Ratelimit with name '${rl.name}' is already defined in the request`);
    }
    names.add(rl.name);
  }
  // handler.go line 112: Planetscale's 1 MB limit on a JSON column.
  if (body.meta !== undefined) requireMaxJsonBytes("Metadata", body.meta, 1024 * 1024);
  const identity = requireIdentity(ctx, body.identity);
  if (body.meta !== undefined) identity.meta = body.meta;
  if (body.ratelimits !== undefined) {
    identity.ratelimits = replaceRatelimits(identity.ratelimits, body.ratelimits);
  }
  ctx.changed();
  return { data: identityData(identity, body.meta) };
}

/**
 * Lists identities by id, `search` matching id or externalId (trimmed,
 * case-insensitive, literal). The cursor is the id the next page starts at
 * (list handler.go line 70, pkg/db/queries/identity_list.sql). Every listed
 * identity must be readable by the root key, or the whole call is a 403.
 */
export function listIdentities(
  ctx: Context,
  body: Body<"identities.listIdentities">,
): HandlerResult {
  const limit = body.limit ?? 100;
  const search = body.search?.trim().toLowerCase();
  const cursor = body.cursor ?? "";
  const rows = [...ctx.state.identities.values()]
    .filter((i) => i.id >= cursor)
    .filter(
      (i) =>
        !search ||
        i.id.toLowerCase().includes(search) ||
        i.externalId.toLowerCase().includes(search),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit + 1);
  const hasMore = rows.length > limit;
  const next = rows[limit];
  const page = rows.slice(0, limit);
  for (const identity of page) ctx.authorize(rights.listIdentity(ws(ctx), identity.id));
  return {
    data: page.map((identity) => identityData(identity, identity.meta)),
    pagination: hasMore && next ? { cursor: next.id, hasMore } : { hasMore },
  };
}

/**
 * Deletes an identity. Its keys stay, without it: its rate limits no longer
 * apply to them (keys.verifyKey joins only live identities,
 * internal/services/keys/db/queries/key_find_for_verification.sql line 88).
 */
export function deleteIdentity(
  ctx: Context,
  body: Body<"identities.deleteIdentity">,
): HandlerResult {
  ctx.authorize(rights.deleteIdentity(ws(ctx)));
  ctx.state.removeIdentity(requireIdentity(ctx, body.identity));
  ctx.changed();
  // The answer is `{ meta }` alone (V2IdentitiesDeleteIdentityResponseBody).
  return { data: undefined };
}
