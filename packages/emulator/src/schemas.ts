import { z } from "zod";
import { invalidInput, type ValidationIssue } from "./errors";

// Field limits follow Unkey's v2 OpenAPI spec; every object is strict, as Unkey
// rejects unknown fields.
const id = z.string().min(3).max(255);
const name = z.string().min(1).max(255);
const meta = z.record(z.string(), z.unknown());
const int = z.int();
const nameList = z.array(z.string().min(1).max(512)).max(1000);

export const refillSchema = z.strictObject({
  interval: z.enum(["daily", "monthly"]),
  amount: int.min(1),
  refillDay: int.min(1).max(31).optional(),
});

export const creditsSchema = z.strictObject({
  remaining: int.min(0).nullable(),
  refill: refillSchema.optional(),
});

export const ratelimitSchema = z.strictObject({
  name: z.string().min(1).max(128),
  limit: int.min(1),
  duration: int.min(1000),
  autoApply: z.boolean().optional(),
});

const pageLimit = int.min(1).max(100).optional();

export const schemas = {
  "apis.createApi": z.strictObject({ name: z.string().min(3).max(255) }),
  "apis.getApi": z.strictObject({ apiId: id }),
  "apis.deleteApi": z.strictObject({ apiId: id }),
  "apis.listKeys": z.strictObject({
    apiId: id,
    limit: pageLimit,
    cursor: z.string().min(1).optional(),
    externalId: z.string().min(1).max(255).optional(),
    decrypt: z.boolean().optional(),
    revalidateKeysCache: z.boolean().optional(),
  }),
  "keys.createKey": z.strictObject({
    apiId: id,
    prefix: z
      .string()
      .min(1)
      .max(16)
      .regex(/^[a-zA-Z0-9_]+$/)
      .optional(),
    name: name.optional(),
    byteLength: int.min(16).max(255).optional(),
    externalId: z.string().min(1).max(255).optional(),
    meta: meta.optional(),
    roles: nameList.optional(),
    permissions: nameList.optional(),
    expires: int.min(0).optional(),
    credits: creditsSchema.optional(),
    ratelimits: z.array(ratelimitSchema).max(50).optional(),
    enabled: z.boolean().optional(),
    recoverable: z.boolean().optional(),
  }),
  "keys.verifyKey": z.strictObject({
    key: z.string().min(1).max(512),
    tags: z.array(z.string().min(1).max(128)).max(20).optional(),
    permissions: z.string().min(1).max(1000).optional(),
    credits: z.strictObject({ cost: int.min(0) }).optional(),
    ratelimits: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(128),
          cost: int.min(0).optional(),
          limit: int.min(1).optional(),
          duration: int.min(1000).optional(),
        }),
      )
      .max(50)
      .optional(),
    migrationId: z.string().min(1).max(255).optional(),
  }),
  "keys.getKey": z.strictObject({ keyId: id, decrypt: z.boolean().optional() }),
  "keys.whoami": z.strictObject({ key: z.string().min(1).max(512) }),
  "keys.updateKey": z.strictObject({
    keyId: id,
    name: name.nullable().optional(),
    externalId: z.string().min(1).max(255).nullable().optional(),
    meta: meta.nullable().optional(),
    expires: int.min(0).nullable().optional(),
    credits: z
      .strictObject({
        remaining: int.min(0).nullable().optional(),
        refill: refillSchema.nullable().optional(),
      })
      .nullable()
      .optional(),
    ratelimits: z.array(ratelimitSchema).max(50).optional(),
    enabled: z.boolean().optional(),
    roles: nameList.optional(),
    permissions: nameList.optional(),
  }),
  "keys.deleteKey": z.strictObject({ keyId: id, permanent: z.boolean().optional() }),
  "keys.updateCredits": z.strictObject({
    keyId: id,
    value: int.min(0).nullable().optional(),
    operation: z.enum(["set", "increment", "decrement"]),
  }),
  "keys.addPermissions": z.strictObject({ keyId: id, permissions: nameList.min(1) }),
  "keys.removePermissions": z.strictObject({ keyId: id, permissions: nameList.min(1) }),
  "keys.setPermissions": z.strictObject({ keyId: id, permissions: nameList }),
  "keys.addRoles": z.strictObject({ keyId: id, roles: nameList.min(1) }),
  "keys.removeRoles": z.strictObject({ keyId: id, roles: nameList.min(1) }),
  "keys.setRoles": z.strictObject({ keyId: id, roles: nameList }),
  "permissions.createPermission": z.strictObject({
    name: z.string().min(1).max(512),
    slug: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[a-zA-Z0-9_.:*/-]+$/),
    description: z.string().max(512).optional(),
  }),
  "permissions.getPermission": z.strictObject({ permission: z.string().min(1).max(512) }),
  "permissions.deletePermission": z.strictObject({ permission: z.string().min(1).max(512) }),
  "permissions.listPermissions": z.strictObject({
    cursor: z.string().min(1).optional(),
    limit: pageLimit,
    search: z.string().max(255).optional(),
  }),
  "permissions.createRole": z.strictObject({
    name: z.string().min(1).max(512),
    description: z.string().max(512).optional(),
    permissions: nameList.optional(),
  }),
  "permissions.getRole": z.strictObject({ role: z.string().min(1).max(512) }),
  "permissions.deleteRole": z.strictObject({ role: z.string().min(1).max(512) }),
  "permissions.listRoles": z.strictObject({
    cursor: z.string().min(1).optional(),
    limit: pageLimit,
    search: z.string().max(255).optional(),
  }),
  "permissions.setRolePermissions": z
    .strictObject({
      role: z.string().min(1).max(512).optional(),
      roleId: z.string().min(1).max(512).optional(),
      permissions: nameList,
    })
    .refine((body) => body.role !== undefined || body.roleId !== undefined, {
      message: "role (name or id) is required",
      path: ["role"],
    }),
  "identities.createIdentity": z.strictObject({
    externalId: z.string().min(3).max(255),
    meta: meta.optional(),
    ratelimits: z.array(ratelimitSchema).max(50).optional(),
  }),
  "identities.getIdentity": z.strictObject({ identity: z.string().min(3).max(255) }),
  "ratelimit.limit": z.strictObject({
    namespace: z.string().min(1).max(255),
    identifier: z.string().min(1).max(255),
    limit: int.min(1),
    duration: int.min(1000),
    cost: int.min(0).optional(),
  }),
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
  throw invalidInput("The request body is invalid.", toIssues(result.error));
}
