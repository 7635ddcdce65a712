// The `data` of a keys.verifyKey answer for an existing key, as unkeyed/unkey
// svc/api/routes/v2_keys_verify_key/handler.go builds it. Go's `omitempty`
// drops empty strings, zero numbers, empty maps and empty slices, so empty
// `permissions`, `roles`, `meta` and `identity.ratelimits` are left out.

import type { IdentityRecord, KeyRecord } from "./state";
import type { ConfiguredLimit, VerifyRatelimit } from "./verify-ratelimits";

/** What the handler knows once the checks ran. */
export interface VerifyOutcome {
  code: string;
  key: KeyRecord;
  identity: IdentityRecord | undefined;
  permissions: string[];
  roles: string[];
  /** The credits to report (unchanged after USAGE_EXCEEDED); undefined for unlimited keys. */
  credits: number | undefined;
  merged: Map<string, ConfiguredLimit>;
  ratelimits: VerifyRatelimit[] | undefined;
}

const isEmptyObject = (value: Record<string, unknown> | undefined) =>
  value === undefined || Object.keys(value).length === 0;

// Only limits that survived the merge by name and belong to the identity are
// listed under identity.ratelimits (handler.go walks the merged configs).
function identityData(identity: IdentityRecord, merged: Map<string, ConfiguredLimit>) {
  const data: Record<string, unknown> = { id: identity.id, externalId: identity.externalId };
  if (!isEmptyObject(identity.meta)) data.meta = identity.meta;
  const limits = [...merged.values()]
    .filter((c) => c.fromIdentity)
    .map(({ record }) => ({
      id: record.id,
      name: record.name,
      limit: record.limit,
      duration: record.duration,
      autoApply: record.autoApply,
    }));
  if (limits.length > 0) data.ratelimits = limits;
  return data;
}

/** Builds the answer's `data`, in the field order Unkey's struct declares. */
export function verifyData(outcome: VerifyOutcome): Record<string, unknown> {
  const { key } = outcome;
  const data: Record<string, unknown> = { code: outcome.code };
  if (outcome.credits !== undefined) data.credits = outcome.credits;
  data.enabled = key.enabled;
  if (key.expires) data.expires = key.expires;
  if (outcome.identity) data.identity = identityData(outcome.identity, outcome.merged);
  data.keyId = key.id;
  if (!isEmptyObject(key.meta)) data.meta = key.meta;
  if (key.name) data.name = key.name;
  if (outcome.permissions.length > 0) data.permissions = outcome.permissions;
  if (outcome.ratelimits && outcome.ratelimits.length > 0) data.ratelimits = outcome.ratelimits;
  if (outcome.roles.length > 0) data.roles = outcome.roles;
  data.valid = outcome.code === "VALID";
  return data;
}
