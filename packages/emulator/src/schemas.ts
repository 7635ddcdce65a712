import { z } from "zod";
import { type ValidationIssue, validationFailure } from "./errors";

// Bounds and patterns transcribed from unkeyed/unkey svc/api/openapi/spec
// (paths/v2/** request bodies and common/*.yaml). Objects Unkey marks
// `additionalProperties: false` are strict; the others ignore unknown fields.
const int = z.int();
const identifier = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_]+$/);
const apiId = z
  .string()
  .min(8)
  .max(255)
  .regex(/^[a-zA-Z0-9_]+$/);
const externalId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9_.-]+$/);
const meta = z
  .record(z.string(), z.unknown())
  .refine((value) => Object.keys(value).length <= 100, "must have at most 100 properties");
// 4102444800000 is 2100-01-01, Unkey's upper bound for `expires`.
const expires = int.min(0).max(4_102_444_800_000);
/** A permission slug: common pattern of the spec (no `/`). */
export const permissionSlug = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9_:\-.*]+$/);
const roleName = z.string().min(1).max(128);
const permissionList = z.array(permissionSlug).max(1000);
const roleList = z.array(roleName).max(100);

export const refillSchema = z.strictObject({
  interval: z.enum(["daily", "monthly"]),
  amount: int.min(1),
  refillDay: int.min(1).max(31).optional(),
});

/** common/KeyCreditsData.yaml (`remaining` is required but may be null). */
export const creditsSchema = z.strictObject({
  remaining: int.min(0).nullable(),
  refill: refillSchema.optional(),
});

/** common/RatelimitRequest.yaml: every field is required, `autoApply` included. */
export const ratelimitSchema = z.strictObject({
  name: z.string().min(3).max(128),
  limit: int.min(1),
  duration: int.min(1000),
  autoApply: z.boolean(),
});

const pageLimit = int.min(1).max(100).optional();
const cursor = z.string().min(1).optional();

// paths/v2/ratelimit/*: namespaces and identifiers are 1..512 characters (the
// varchar(512) columns), any characters.
const namespaceRef = z.string().min(1).max(512);
const ratelimitIdentifier = z.string().min(1).max(512);
/** paths/v2/ratelimit/limit/V2RatelimitLimitRequestBody.yaml (also each multiLimit item). */
const ratelimitLimitBody = z.strictObject({
  namespace: namespaceRef,
  identifier: ratelimitIdentifier,
  limit: int.min(1),
  duration: int.min(1000).max(2_592_000_000),
  cost: int.min(0).optional(),
});

export const schemas = {
  "apis.createApi": z.strictObject({ name: z.string().min(3).max(256) }),
  "apis.getApi": z.strictObject({ apiId }),
  "apis.deleteApi": z.strictObject({ apiId }),
  "apis.listKeys": z.strictObject({
    apiId: z.string().min(1),
    limit: pageLimit,
    cursor,
    externalId: z.string().min(1).optional(),
    decrypt: z.boolean().optional(),
    revalidateKeysCache: z.boolean().optional(),
  }),
  "keys.createKey": z.strictObject({
    apiId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
    prefix: z
      .string()
      .min(1)
      .max(16)
      .regex(/^[a-zA-Z0-9_]+$/)
      .optional(),
    name: z.string().min(1).max(255).optional(),
    byteLength: int.min(16).max(255).optional(),
    externalId: externalId.optional(),
    meta: meta.optional(),
    roles: roleList.optional(),
    permissions: permissionList.optional(),
    expires: expires.optional(),
    credits: creditsSchema.optional(),
    ratelimits: z.array(ratelimitSchema).max(50).optional(),
    enabled: z.boolean().optional(),
    recoverable: z.boolean().optional(),
  }),
  "keys.verifyKey": z.strictObject({
    key: z.string().min(1).max(512),
    tags: z.array(z.string().min(1).max(512)).max(20).optional(),
    permissions: z.string().min(1).max(1000).optional(),
    credits: z.strictObject({ cost: int.min(0).max(1_000_000_000_000) }).optional(),
    // paths/v2/keys/verifyKey/KeysVerifyKeyRatelimit.yaml: minimums are 0 and
    // the object is not closed.
    ratelimits: z
      .array(
        z.object({
          name: z.string().min(3).max(255),
          cost: int.min(0).optional(),
          limit: int.min(0).optional(),
          duration: int.min(0).optional(),
        }),
      )
      .optional(),
    migrationId: z.string().max(256).optional(),
  }),
  "keys.getKey": z.strictObject({ keyId: identifier, decrypt: z.boolean().optional() }),
  "keys.whoami": z.strictObject({ key: z.string().min(1).max(512) }),
  "keys.updateKey": z.strictObject({
    keyId: identifier,
    name: z.string().min(1).max(255).nullable().optional(),
    externalId: externalId.nullable().optional(),
    meta: meta.nullable().optional(),
    expires: expires.nullable().optional(),
    credits: z
      .strictObject({
        remaining: int.min(0).nullable().optional(),
        refill: refillSchema.nullable().optional(),
      })
      .nullable()
      .optional(),
    ratelimits: z.array(ratelimitSchema).max(50).optional(),
    enabled: z.boolean().optional(),
    roles: roleList.optional(),
    permissions: permissionList.optional(),
  }),
  "keys.deleteKey": z.strictObject({ keyId: identifier, permanent: z.boolean().optional() }),
  "keys.updateCredits": z.strictObject({
    keyId: z.string().min(3),
    value: int.min(0).nullable().optional(),
    operation: z.enum(["set", "increment", "decrement"]),
  }),
  "keys.addPermissions": z.strictObject({ keyId: identifier, permissions: permissionList.min(1) }),
  "keys.removePermissions": z.strictObject({
    keyId: identifier,
    permissions: permissionList.min(1),
  }),
  "keys.setPermissions": z.strictObject({ keyId: identifier, permissions: permissionList }),
  "keys.addRoles": z.strictObject({ keyId: identifier, roles: roleList.min(1) }),
  "keys.removeRoles": z.strictObject({ keyId: identifier, roles: roleList.min(1) }),
  "keys.setRoles": z.strictObject({ keyId: identifier, roles: roleList }),
  "permissions.createPermission": z.strictObject({
    name: z.string().min(1).max(512),
    slug: permissionSlug,
    description: z.string().max(512).optional(),
  }),
  "permissions.getPermission": z.strictObject({ permission: permissionSlug }),
  "permissions.deletePermission": z.strictObject({ permission: permissionSlug }),
  "permissions.listPermissions": z.strictObject({
    cursor,
    limit: pageLimit,
    search: z.string().max(256).optional(),
  }),
  "permissions.createRole": z.strictObject({
    name: roleName,
    description: z.string().max(512).optional(),
    permissions: z.array(permissionSlug).optional(),
  }),
  "permissions.getRole": z.strictObject({ role: roleName }),
  "permissions.deleteRole": z.strictObject({ role: roleName }),
  "permissions.listRoles": z.strictObject({
    cursor: z.string().max(1024).optional(),
    limit: pageLimit,
    search: z.string().max(256).optional(),
  }),
  // paths/v2/permissions/setRolePermissions: roleId is common/ResourceIdentifier.yaml.
  "permissions.setRolePermissions": z.strictObject({
    roleId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_-]+$/),
    permissions: z.array(permissionSlug),
  }),
  "identities.createIdentity": z.strictObject({
    externalId,
    meta: meta.optional(),
    ratelimits: z.array(ratelimitSchema).max(50).optional(),
  }),
  "identities.getIdentity": z.strictObject({ identity: z.string().min(1) }),
  "ratelimit.limit": ratelimitLimitBody,
  // paths/v2/ratelimit/multiLimit/V2RatelimitMultiLimitRequestBody.yaml: a bare array.
  "ratelimit.multiLimit": z.array(ratelimitLimitBody).min(1).max(100),
  // paths/v2/ratelimit/setOverride: limit 0 is allowed, duration has no maximum.
  "ratelimit.setOverride": z.strictObject({
    namespace: namespaceRef,
    identifier: ratelimitIdentifier,
    limit: int.min(0),
    duration: int.min(1000),
  }),
  "ratelimit.getOverride": z.strictObject({
    namespace: namespaceRef,
    identifier: ratelimitIdentifier,
  }),
  "ratelimit.listOverrides": z.strictObject({
    namespace: namespaceRef,
    cursor: z.string().optional(),
    limit: pageLimit,
  }),
  "ratelimit.deleteOverride": z.strictObject({
    namespace: namespaceRef,
    identifier: ratelimitIdentifier,
  }),
  // paths/v2/keys/rerollKey/V2KeysRerollKeyRequestBody.yaml
  "keys.rerollKey": z.strictObject({
    keyId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
    expiration: int.min(0).max(4_102_444_800_000),
  }),
  // paths/v2/keys/migrateKeys/V2KeysMigrateKeysRequestBody.yaml and V2KeysMigrateKeyData.yaml
  "keys.migrateKeys": z.strictObject({
    migrationId: z.string().min(3).max(255),
    apiId: z.string().min(3).max(255),
    keys: z
      .array(
        z.strictObject({
          hash: z.string().min(3),
          name: z.string().min(1).max(255).optional(),
          externalId: z.string().min(1).max(255).optional(),
          meta: meta.optional(),
          roles: roleList.optional(),
          permissions: permissionList.optional(),
          expires: expires.optional(),
          enabled: z.boolean().optional(),
          credits: creditsSchema.optional(),
          ratelimits: z.array(ratelimitSchema).max(50).optional(),
        }),
      )
      .min(1),
  }),
  // paths/v2/identities/{update,list,delete}Identity/*RequestBody.yaml
  "identities.updateIdentity": z.strictObject({
    identity: z.string().min(1),
    meta: meta.optional(),
    ratelimits: z.array(ratelimitSchema).max(50).optional(),
  }),
  "identities.listIdentities": z.strictObject({
    limit: pageLimit,
    cursor: z.string().optional(),
    search: z.string().max(256).optional(),
  }),
  "identities.deleteIdentity": z.strictObject({ identity: z.string().min(1) }),
} as const;

/** The name of an operation the emulator serves, e.g. `keys.verifyKey`. */
export type Operation = keyof typeof schemas;

/** The validated body of an operation. */
export type Body<O extends Operation> = z.output<(typeof schemas)[O]>;

/** Formats zod issues as Unkey's `errors[]` with `body.`-rooted locations. */
export function toIssues(error: z.ZodError, root = "body"): ValidationIssue[] {
  return error.issues.map((issue) => ({
    location: [root, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

/** Validates a request body, throwing Unkey's 400 on any problem. */
export function parseBody<O extends Operation>(operation: O, body: unknown): Body<O> {
  const result = schemas[operation].safeParse(body);
  if (result.success) return result.data as Body<O>;
  throw validationFailure("One or more fields failed validation", toIssues(result.error));
}
