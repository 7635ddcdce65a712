// The data file's records, field by field, as state.ts defines them. A file that only had the
// right top-level shape was loaded whatever its records held, and a key without `start`,
// `ratelimits` or `permissionIds` then broke keys.getKey, apis.listKeys or
// keys.addPermissions with a 500 long after start-up; checked here, such a file is refused at
// start-up, naming the field. Fields added after version 1 shipped stay optional, so every
// data file an earlier emulator saved still loads; unknown fields are ignored.
import { z } from "zod";

const text = z.string();
const ms = z.number().int();
const count = z.number().int().nonnegative();
const meta = z.record(z.string(), z.unknown()).nullable().optional();

const ratelimit = z.object({
  id: text,
  name: text,
  limit: count,
  duration: count,
  autoApply: z.boolean(),
});

const credits = z.object({
  remaining: count.nullable(),
  refill: z
    .object({
      interval: z.enum(["daily", "monthly"]),
      amount: count,
      refillDay: z.number().int().min(1).max(31).optional(),
    })
    .optional(),
  lastRefillAt: ms,
});

const api = z.object({ id: text, name: text, keyspaceId: text.optional(), createdAt: ms });

const key = z.object({
  id: text,
  apiId: text,
  hash: text,
  start: text,
  name: text.optional(),
  meta,
  expires: ms.optional(),
  enabled: z.boolean(),
  createdAt: ms,
  updatedAt: ms.optional(),
  lastUsedAt: ms.optional(),
  identityId: text.optional(),
  credits: credits.optional(),
  ratelimits: z.array(ratelimit),
  permissionIds: z.array(text),
  roleIds: z.array(text),
  pendingMigrationId: text.optional(),
});

const permission = z.object({
  id: text,
  name: text,
  slug: text,
  description: text.optional(),
  createdAt: ms,
});

const role = z.object({
  id: text,
  name: text,
  description: text.optional(),
  permissionIds: z.array(text),
  createdAt: ms,
});

const identity = z.object({
  id: text,
  externalId: text,
  meta,
  ratelimits: z.array(ratelimit),
  createdAt: ms,
});

const namespace = z.object({ id: text, name: text, createdAt: ms });

const override = z.object({
  id: text,
  namespaceId: text,
  identifier: text,
  limit: count,
  duration: count,
  createdAt: ms,
  updatedAt: ms.optional(),
  deletedAt: ms.optional(),
});

const migration = z.object({
  id: text,
  algorithm: z.enum(["sha256", "github.com/seamapi/prefixed-api-key"]),
});

/** A data file as the emulator saves it (state.ts `Snapshot`), every record field checked. */
export const snapshotSchema = z.object({
  version: z.literal(1),
  // The generated root key, kept so a restart accepts the same one: what an Authorization
  // header can carry (RFC 9110 §5.5), as the rootKey option.
  rootKey: z
    .string()
    .regex(/^[\x21-\x7e]{1,512}$/)
    .optional(),
  apis: z.array(api),
  keys: z.array(key),
  permissions: z.array(permission),
  roles: z.array(role),
  identities: z.array(identity),
  namespaces: z.array(namespace).optional(),
  overrides: z.array(override).optional(),
  migrations: z.array(migration).optional(),
});
