import { readFileSync } from "node:fs";
import { z } from "zod";
import { createKeyRecord, resolvePermissions, resolveRoles, toRatelimits } from "./resources";
import { creditsSchema, ratelimitSchema, toIssues } from "./schemas";
import { defaultKeyspaceId, type State } from "./state";

/** The workspace id resource permissions name when the seed gives none. */
export const DEFAULT_WORKSPACE_ID = "ws_emulator";

// Seeds may omit `autoApply` (default false), which Unkey's API requires.
const seedRatelimitSchema = ratelimitSchema.extend({ autoApply: z.boolean().optional() });

const seedKeySchema = z.strictObject({
  key: z.string().min(1).max(512),
  id: z.string().min(3).max(255).optional(),
  name: z.string().min(1).max(255).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  expires: z.int().min(0).optional(),
  enabled: z.boolean().optional(),
  credits: creditsSchema.optional(),
  ratelimits: z.array(seedRatelimitSchema).optional(),
  roles: z.array(z.string().min(1)).optional(),
  permissions: z.array(z.string().min(1)).optional(),
  externalId: z.string().min(1).max(255).optional(),
});

const seedSchema = z.strictObject({
  rootKeys: z
    .array(
      z.strictObject({
        key: z.string().min(1).max(512),
        permissions: z.array(z.string().min(1)).optional(),
      }),
    )
    .optional(),
  permissions: z
    .array(
      z.union([
        z.string().min(1),
        z.strictObject({
          name: z.string().min(1),
          slug: z.string().min(1).optional(),
          description: z.string().optional(),
        }),
      ]),
    )
    .optional(),
  roles: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        description: z.string().optional(),
        permissions: z.array(z.string().min(1)).optional(),
      }),
    )
    .optional(),
  identities: z
    .array(
      z.strictObject({
        externalId: z.string().min(1).max(255),
        meta: z.record(z.string(), z.unknown()).optional(),
        ratelimits: z.array(seedRatelimitSchema).optional(),
      }),
    )
    .optional(),
  // Rate-limit namespaces with known ids, so that root keys can be scoped to one
  // (`ratelimit.<namespace id>.limit`, the id being what Unkey checks).
  ratelimitNamespaces: z
    .array(
      z.strictObject({
        id: z.string().min(3).max(255).optional(),
        name: z.string().min(1).max(512),
      }),
    )
    .optional(),
  apis: z
    .array(
      z.strictObject({
        id: z.string().min(3).max(255).optional(),
        name: z.string().min(1).max(255),
        // The API's keyspace, for resource permissions such as
        // `unkey:v1:<workspaceId>:keyspaces/<keyspaceId>#create_key`.
        keyspaceId: z
          .string()
          .min(3)
          .max(255)
          .regex(/^[^:#/*]+$/)
          .optional(),
        keys: z.array(seedKeySchema).optional(),
      }),
    )
    .optional(),
  // The workspace of the root keys, as resource permissions name it
  // (pkg/urn/urn.go validateWorkspaceID: no ":", "#" or "/").
  workspaceId: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^:#/]+$/)
    .optional(),
  // Key migrations for keys.migrateKeys, which Unkey's staff create per customer.
  keyMigrations: z
    .array(
      z.strictObject({
        id: z.string().min(3).max(255),
        algorithm: z.enum(["sha256", "github.com/seamapi/prefixed-api-key"]),
      }),
    )
    .optional(),
});

/**
 * The seed: a workspace described in JSON, with keys given in plaintext so that
 * demos and tests know them (they are stored hashed like any other key).
 *
 * @example
 * ```ts
 * const seed: SeedData = {
 *   permissions: ["documents.read", "documents.write"],
 *   roles: [{ name: "editor", permissions: ["documents.read", "documents.write"] }],
 *   apis: [{ id: "api_demo", name: "demo", keys: [{ key: "demo_editor", roles: ["editor"] }] }],
 * };
 * ```
 */
export type SeedData = z.input<typeof seedSchema>;
type Seed = z.output<typeof seedSchema>;
type Section<K extends keyof Seed> = NonNullable<Seed[K]>;

/** A seed that does not match the format; the message names the bad field. */
export class SeedError extends Error {
  override readonly name = "SeedError";
}

/** Validates a seed object or reads and validates a seed file. */
export function loadSeed(seed: SeedData | string): Seed {
  let raw: unknown = seed;
  const source = typeof seed === "string" ? `seed file ${seed}` : "seed";
  if (typeof seed === "string") {
    let text: string;
    try {
      text = readFileSync(seed, "utf8");
    } catch (error) {
      throw new SeedError(`Cannot read ${source}: ${(error as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new SeedError(`The ${source} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const result = seedSchema.safeParse(raw);
  if (!result.success) {
    const detail = toIssues(result.error, "seed")
      .map((issue) => `${issue.location}: ${issue.message}`)
      .join("; ");
    throw new SeedError(`Invalid ${source}: ${detail}`);
  }
  return result.data;
}

/** Writes a validated seed into the workspace; returns the seeded root keys. */
export function applySeed(
  state: State,
  seed: Seed,
  now: number,
): { key: string; permissions: string[] }[] {
  // Permissions before the roles and keys that name them; identities before the keys that
  // name them (a key's externalId creates a bare identity, and the seeded one a duplicate).
  seedPermissions(state, seed.permissions ?? [], now);
  seedRoles(state, seed.roles ?? [], now);
  seedIdentities(state, seed.identities ?? [], now);
  seedNamespaces(state, seed.ratelimitNamespaces ?? [], now);
  seedApis(state, seed.apis ?? [], now);
  seedMigrations(state, seed.keyMigrations ?? []);
  return (seed.rootKeys ?? []).map((root) => ({
    key: root.key,
    permissions: root.permissions ?? ["*"],
  }));
}

/** Runs the part of applySeed for one entry; an error names the entry's path in the seed. */
function at(path: string, run: () => void): void {
  try {
    run();
  } catch (error) {
    throw new SeedError(`Invalid seed at ${path}: ${(error as Error).message}`);
  }
}

function seedPermissions(state: State, permissions: Section<"permissions">, now: number): void {
  permissions.forEach((p, i) => {
    at(`seed.permissions.${i}`, () => {
      const spec = typeof p === "string" ? { name: p } : p;
      const slug = spec.slug ?? spec.name;
      if (state.permissionsBySlug.has(slug)) return;
      const [id] = resolvePermissions(state, [slug], now);
      const record = id ? state.permissions.get(id) : undefined;
      if (record) {
        record.name = spec.name;
        if (spec.description !== undefined) record.description = spec.description;
      }
    });
  });
}

function seedRoles(state: State, roles: Section<"roles">, now: number): void {
  roles.forEach((r, i) => {
    at(`seed.roles.${i}`, () => {
      if (state.rolesByName.has(r.name)) throw new Error(`duplicate role "${r.name}"`);
      state.addRole({
        id: `role_${r.name.replace(/[^a-zA-Z0-9]/g, "_")}`,
        name: r.name,
        ...(r.description !== undefined ? { description: r.description } : {}),
        permissionIds: resolvePermissions(state, r.permissions ?? [], now),
        createdAt: now,
      });
    });
  });
}

function seedIdentities(state: State, identities: Section<"identities">, now: number): void {
  identities.forEach((identity, i) => {
    at(`seed.identities.${i}`, () => {
      if (state.identitiesByExternalId.has(identity.externalId)) {
        throw new Error(`duplicate externalId "${identity.externalId}"`);
      }
      state.addIdentity({
        id: `id_${identity.externalId.replace(/[^a-zA-Z0-9]/g, "_")}`,
        externalId: identity.externalId,
        ...(identity.meta !== undefined ? { meta: identity.meta } : {}),
        ratelimits: toRatelimits(identity.ratelimits),
        createdAt: now,
      });
    });
  });
}

function seedNamespaces(
  state: State,
  namespaces: Section<"ratelimitNamespaces">,
  now: number,
): void {
  namespaces.forEach((namespace, i) => {
    at(`seed.ratelimitNamespaces.${i}`, () => {
      if (state.findNamespace(namespace.name)) throw new Error(`duplicate "${namespace.name}"`);
      const id = namespace.id ?? `rlns_${namespace.name.replace(/[^a-zA-Z0-9]/g, "_")}`;
      state.addNamespace({ id, name: namespace.name, createdAt: now });
    });
  });
}

function seedApis(state: State, apis: Section<"apis">, now: number): void {
  apis.forEach((api, i) => {
    const apiId = api.id ?? `api_${api.name.replace(/[^a-zA-Z0-9]/g, "_")}`;
    at(`seed.apis.${i}`, () => {
      if (state.apis.has(apiId)) throw new Error(`duplicate api id "${apiId}"`);
      const keyspaceId = api.keyspaceId ?? defaultKeyspaceId(apiId);
      state.addApi({ id: apiId, name: api.name, keyspaceId, createdAt: now });
    });
    (api.keys ?? []).forEach((key, j) => {
      at(`seed.apis.${i}.keys.${j}`, () => {
        resolveRoles(state, key.roles ?? []);
        const { key: plaintext, ...rest } = key;
        createKeyRecord(state, { ...rest, apiId, plaintext }, now);
      });
    });
  });
}

function seedMigrations(state: State, migrations: Section<"keyMigrations">): void {
  migrations.forEach((migration, i) => {
    at(`seed.keyMigrations.${i}`, () => {
      if (state.migrations.has(migration.id)) throw new Error(`duplicate id "${migration.id}"`);
      state.migrations.set(migration.id, { ...migration });
    });
  });
}
