import { type UnkeyAdmin, UnkeyAdminError } from "./unkey-admin";

/** The permissions the demo API's routes ask for. */
export const DEMO_PERMISSIONS = ["documents.read", "documents.write", "documents.delete"] as const;

/** Roles and the permissions each one grants. */
export const DEMO_ROLES: Readonly<Record<string, readonly string[]>> = {
  "demo.admin": DEMO_PERMISSIONS,
  "demo.reader": ["documents.read"],
};

/** The demo keys, by what they show. */
export type DemoKeyName = "admin" | "readOnly" | "metered" | "rateLimited" | "expired" | "disabled";

/** A key the demo created: the secret to paste into curl, and its id. */
export interface DemoKey {
  readonly key: string;
  readonly keyId: string;
  readonly description: string;
}

export type DemoKeys = Readonly<Record<DemoKeyName, DemoKey>>;

/** Everything the seed created, so that it can be removed again. */
export interface SeededDemo {
  readonly apiId: string;
  readonly keys: DemoKeys;
}

const HOUR = 3_600_000;

/** What each demo key is created with (Unkey v2 `keys.createKey` fields). */
function keySpecs(now: number): Record<DemoKeyName, { description: string; body: object }> {
  return {
    admin: {
      description: "role demo.admin: read, write, delete; meta and an identity",
      body: {
        name: "Demo admin",
        roles: ["demo.admin"],
        externalId: "acme-corp",
        meta: { plan: "enterprise", team: "platform" },
      },
    },
    readOnly: {
      description: "role demo.reader: documents.read only",
      body: { name: "Demo read-only", roles: ["demo.reader"], meta: { plan: "free" } },
    },
    metered: {
      description: "role demo.reader, 5 usage credits (every request reaches Unkey)",
      body: { name: "Demo metered", roles: ["demo.reader"], credits: { remaining: 5 } },
    },
    rateLimited: {
      description: "role demo.reader, rate limited to 3 requests per 10 s",
      body: {
        name: "Demo rate-limited",
        roles: ["demo.reader"],
        ratelimits: [{ name: "requests", limit: 3, duration: 10_000, autoApply: true }],
      },
    },
    expired: {
      description: "expired an hour ago",
      body: { name: "Demo expired", roles: ["demo.reader"], expires: now - HOUR },
    },
    disabled: {
      description: "disabled",
      body: { name: "Demo disabled", roles: ["demo.reader"], enabled: false },
    },
  };
}

/** Runs a create operation; an existing resource (409) is fine when the demo runs again. */
async function ensure(admin: UnkeyAdmin, operation: string, body: object): Promise<void> {
  try {
    await admin.call(operation, body);
  } catch (error) {
    if (!(error instanceof UnkeyAdminError && error.status === 409)) throw error;
  }
}

/**
 * Seeds the demo through Unkey's v2 operations: an API (unless `apiId` is
 * given), the permissions, the roles with their permissions, and one key per
 * case the demo shows. Works the same on the emulator and on real Unkey.
 *
 * @example
 * ```ts
 * const { keys } = await seedDemo(unkeyAdmin(url, rootKey));
 * console.log(keys.admin.keyId);
 * ```
 */
export async function seedDemo(
  admin: UnkeyAdmin,
  options: { apiId?: string; now?: number } = {},
): Promise<SeededDemo> {
  const apiId =
    options.apiId ??
    (await admin.call<{ apiId: string }>("apis.createApi", { name: "keyguard-demo" })).apiId;
  for (const slug of DEMO_PERMISSIONS) {
    await ensure(admin, "permissions.createPermission", { name: slug, slug });
  }
  for (const [role, permissions] of Object.entries(DEMO_ROLES)) {
    await ensure(admin, "permissions.createRole", { name: role });
    // setRolePermissions takes the role's id, which a re-run (409 above) did not return.
    const { id: roleId } = await admin.call<{ id: string }>("permissions.getRole", { role });
    await admin.call("permissions.setRolePermissions", { roleId, permissions });
  }
  const specs = keySpecs(options.now ?? Date.now());
  const keys = {} as Record<DemoKeyName, DemoKey>;
  for (const name of Object.keys(specs) as DemoKeyName[]) {
    const { description, body } = specs[name];
    const created = await admin.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
      prefix: "demo",
      ...body,
    });
    keys[name] = { key: created.key, keyId: created.keyId, description };
  }
  return { apiId, keys };
}

/** Deletes the demo keys again (best effort: the demo is stopping). */
export async function removeDemoKeys(admin: UnkeyAdmin, keys: DemoKeys): Promise<void> {
  await Promise.allSettled(
    Object.values(keys).map((k) => admin.call("keys.deleteKey", { keyId: k.keyId })),
  );
}
