// The rate-limit step of keys.verifyKey, transcribed from unkeyed/unkey
// internal/services/keys/validation.go (withRateLimits) and get.go (how key and
// identity limits merge).

import { CODES } from "./codes";
import type { Context } from "./context";
import { ApiError } from "./errors";
import type { Body } from "./schemas";
import type { IdentityRecord, KeyRecord, RatelimitRecord } from "./state";

/** A configured limit together with whose it is (the counter's identifier). */
export interface ConfiguredLimit {
  record: RatelimitRecord;
  /** The key id, or the identity id for an identity's limit. */
  identifier: string;
  fromIdentity: boolean;
}

/** One entry of the answer's `ratelimits[]`, as Unkey's `VerifyKeyRatelimitData`. */
export interface VerifyRatelimit {
  exceeded: boolean;
  id: string;
  name: string;
  limit: number;
  duration: number;
  reset: number;
  remaining: number;
  autoApply: boolean;
}

interface PlannedLimit {
  id: string;
  name: string;
  limit: number;
  duration: number;
  cost: number;
  autoApply: boolean;
  identifier: string;
}

/**
 * The key's and its identity's limits by name; on a name clash the key's wins
 * whatever its `autoApply` (get.go), so a key limit with `autoApply: false`
 * shadows the identity's auto-applied one.
 */
export function mergeRatelimits(
  key: KeyRecord,
  identity: IdentityRecord | undefined,
): Map<string, ConfiguredLimit> {
  const merged = new Map<string, ConfiguredLimit>();
  for (const record of identity?.ratelimits ?? []) {
    merged.set(record.name, { record, identifier: identity?.id ?? "", fromIdentity: true });
  }
  for (const record of key.ratelimits) {
    merged.set(record.name, { record, identifier: key.id, fromIdentity: false });
  }
  return merged;
}

// internal/services/keys/validation.go:156-163 formats either message with the same four
// arguments (name, key id, identity id, external id). Without an identity the format has two
// verbs, so Go's fmt appends the two unused arguments, both empty strings of type string, as
// `%!(EXTRA string=, string=)`: part of the detail Unkey answers.
const GO_UNUSED_IDENTITY_ARGS = "%!(EXTRA string=, string=)";

function missingLimit(name: string, key: KeyRecord, identity: IdentityRecord | undefined) {
  const detail = identity
    ? `ratelimit '${name}' was requested but does not exist for key '${key.id}' nor identity: '${identity.id}' external ID: '${identity.externalId}'`
    : `ratelimit '${name}' was requested but does not exist for key '${key.id}' and there is no identity connected.${GO_UNUSED_IDENTITY_ARGS}`;
  return new ApiError(412, CODES.preconditionFailed, detail);
}

function plan(
  key: KeyRecord,
  identity: IdentityRecord | undefined,
  merged: Map<string, ConfiguredLimit>,
  requested: Body<"keys.verifyKey">["ratelimits"],
): PlannedLimit[] {
  const planned = new Map<string, PlannedLimit>();
  const fromConfig = (c: ConfiguredLimit, cost: number): PlannedLimit => ({
    id: c.record.id,
    name: c.record.name,
    limit: c.record.limit,
    duration: c.record.duration,
    cost,
    autoApply: c.record.autoApply,
    identifier: c.identifier,
  });
  for (const c of merged.values())
    if (c.record.autoApply) planned.set(c.record.name, fromConfig(c, 1));
  for (const r of requested ?? []) {
    // Only limit AND duration make an ad-hoc limit; it is always counted on the
    // key (even when the identity has a limit of that name) and has no id.
    if (r.limit !== undefined && r.duration !== undefined) {
      planned.set(r.name, {
        id: "",
        name: r.name,
        limit: r.limit,
        duration: r.duration,
        cost: r.cost ?? 1,
        autoApply: false,
        identifier: key.id,
      });
      continue;
    }
    const configured = merged.get(r.name);
    if (!configured) throw missingLimit(r.name, key, identity);
    planned.set(r.name, fromConfig(configured, r.cost ?? 1));
  }
  return [...planned.values()];
}

/**
 * Plans and applies the key's limits: auto-applied ones at cost 1, requested
 * ones by name (412 when unknown) or ad hoc. Returns the answer's entries, or
 * undefined when there was nothing to check. When an entry breaks Unkey's
 * ratelimiter assertions (limit < 1, duration < 1 s; the request schema allows
 * 0) the ratelimiter errors and Unkey lets the request through unchecked.
 */
export function applyRatelimits(
  ctx: Context,
  key: KeyRecord,
  identity: IdentityRecord | undefined,
  merged: Map<string, ConfiguredLimit>,
  requested: Body<"keys.verifyKey">["ratelimits"],
): VerifyRatelimit[] | undefined {
  const planned = plan(key, identity, merged, requested);
  if (planned.length === 0) return undefined;
  if (planned.some((p) => p.limit < 1 || p.duration < 1000)) return undefined;
  const results = ctx.limiter.limitMany(
    planned.map((p) => ({ ...p, namespace: p.name })),
    ctx.now(),
  );
  return planned.map((p, i) => {
    const result = results[i] as (typeof results)[number];
    return {
      exceeded: !result.success,
      id: p.id,
      name: p.name,
      limit: p.limit,
      duration: p.duration,
      reset: result.reset,
      remaining: result.remaining,
      autoApply: p.autoApply,
    };
  });
}
