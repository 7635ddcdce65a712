/** A refill rule for a key's credits. */
export interface RefillRecord {
  interval: "daily" | "monthly";
  amount: number;
  refillDay?: number;
}

/** A key's usage credits: `remaining` null means unlimited. */
export interface CreditsRecord {
  remaining: number | null;
  refill?: RefillRecord;
  /** Unix ms of the last refill (or of when the credits were set). */
  lastRefillAt: number;
}

/** A named rate limit on a key or an identity. */
export interface RatelimitRecord {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

export interface ApiRecord {
  id: string;
  name: string;
  /** The API's keyspace (Unkey's key_auth id), which resource permissions name. */
  keyspaceId: string;
  createdAt: number;
}

export interface PermissionRecord {
  id: string;
  name: string;
  slug: string;
  description?: string;
  createdAt: number;
}

export interface RoleRecord {
  id: string;
  name: string;
  description?: string;
  permissionIds: string[];
  createdAt: number;
}

export interface IdentityRecord {
  id: string;
  externalId: string;
  meta?: Record<string, unknown>;
  ratelimits: RatelimitRecord[];
  createdAt: number;
}

/** A rate-limit namespace of `ratelimit.limit`, created on first use as Unkey does. */
export interface NamespaceRecord {
  id: string;
  name: string;
  createdAt: number;
}

/**
 * A `ratelimit.setOverride` override, as a row of Unkey's `ratelimit_overrides`
 * (pkg/mysql/schema/ratelimit_overrides.sql): unique per namespace and
 * identifier, soft-deleted.
 */
export interface OverrideRecord {
  id: string;
  namespaceId: string;
  /** An exact identifier, or a pattern where `*` matches any run of characters. */
  identifier: string;
  limit: number;
  duration: number;
  createdAt: number;
  updatedAt?: number;
  /** Set by deleteOverride; the row (and its id) stays, as Unkey's `deleted_at_m`. */
  deletedAt?: number;
}

/** A key as stored: only the SHA-256 hash of its plaintext, never the plaintext. */
export interface KeyRecord {
  id: string;
  apiId: string;
  hash: string;
  start: string;
  name?: string;
  meta?: Record<string, unknown>;
  expires?: number;
  enabled: boolean;
  createdAt: number;
  updatedAt?: number;
  lastUsedAt?: number;
  identityId?: string;
  credits?: CreditsRecord;
  ratelimits: RatelimitRecord[];
  permissionIds: string[];
  roleIds: string[];
  /** Set on a key imported by keys.migrateKeys until a verification with its migration rehashes it. */
  pendingMigrationId?: string;
}

/** A key migration (Unkey's key_migrations row), which Unkey's staff set up per customer. */
export interface MigrationRecord {
  id: string;
  algorithm: "sha256" | "github.com/seamapi/prefixed-api-key";
}

/** An API as older data files hold it, before keyspace ids were stored. */
type StoredApi = Omit<ApiRecord, "keyspaceId"> & { keyspaceId?: string };

/** The keyspace id an API gets when none was given: `ks_` and the API id without `api_`. */
export function defaultKeyspaceId(apiId: string): string {
  return `ks_${apiId.replace(/^api_/, "")}`;
}

/** What the data file holds (rate-limit windows and seed root keys are not persisted). */
export interface Snapshot {
  version: 1;
  /**
   * The generated full-rights root key, so that a restart prints (and accepts) the same one
   * (see root-key-store.ts). Added after version 1 shipped; absent in older data files.
   */
  rootKey?: string;
  apis: StoredApi[];
  keys: KeyRecord[];
  permissions: PermissionRecord[];
  roles: RoleRecord[];
  identities: IdentityRecord[];
  /** Added after version 1 shipped; absent in older data files. */
  namespaces?: NamespaceRecord[];
  /** Added after version 1 shipped; absent in older data files. */
  overrides?: OverrideRecord[];
  migrations?: MigrationRecord[];
}

/** The whole workspace, indexed for the lookups the handlers need. */
export class State {
  readonly apis = new Map<string, ApiRecord>();
  readonly keys = new Map<string, KeyRecord>();
  readonly keysByHash = new Map<string, KeyRecord>();
  readonly permissions = new Map<string, PermissionRecord>();
  readonly permissionsBySlug = new Map<string, PermissionRecord>();
  readonly roles = new Map<string, RoleRecord>();
  readonly rolesByName = new Map<string, RoleRecord>();
  readonly identities = new Map<string, IdentityRecord>();
  readonly identitiesByExternalId = new Map<string, IdentityRecord>();
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly namespacesByName = new Map<string, NamespaceRecord>();
  /** Overrides (deleted ones included) by namespace id, then identifier, in creation order. */
  readonly overrides = new Map<string, Map<string, OverrideRecord>>();
  readonly migrations = new Map<string, MigrationRecord>();

  addNamespace(namespace: NamespaceRecord): void {
    this.namespaces.set(namespace.id, namespace);
    this.namespacesByName.set(namespace.name, namespace);
  }

  /** A namespace by id or name (ratelimit.limit accepts either). */
  findNamespace(ref: string): NamespaceRecord | undefined {
    return this.namespaces.get(ref) ?? this.namespacesByName.get(ref);
  }

  addOverride(override: OverrideRecord): void {
    let byIdentifier = this.overrides.get(override.namespaceId);
    if (!byIdentifier) {
      byIdentifier = new Map();
      this.overrides.set(override.namespaceId, byIdentifier);
    }
    byIdentifier.set(override.identifier, override);
  }

  /** The namespace's override row for exactly `identifier`, deleted or not. */
  findOverrideRow(namespaceId: string, identifier: string): OverrideRecord | undefined {
    return this.overrides.get(namespaceId)?.get(identifier);
  }

  /** The namespace's overrides that are not deleted, in creation order. */
  activeOverrides(namespaceId: string): OverrideRecord[] {
    const rows = this.overrides.get(namespaceId)?.values() ?? [];
    return [...rows].filter((row) => row.deletedAt === undefined);
  }

  addApi(api: ApiRecord): void {
    this.apis.set(api.id, api);
  }

  addKey(key: KeyRecord): void {
    this.keys.set(key.id, key);
    this.keysByHash.set(key.hash, key);
  }

  removeKey(key: KeyRecord): void {
    this.keys.delete(key.id);
    this.keysByHash.delete(key.hash);
  }

  addPermission(permission: PermissionRecord): void {
    this.permissions.set(permission.id, permission);
    this.permissionsBySlug.set(permission.slug, permission);
  }

  removePermission(permission: PermissionRecord): void {
    this.permissions.delete(permission.id);
    this.permissionsBySlug.delete(permission.slug);
    for (const key of this.keys.values()) {
      key.permissionIds = key.permissionIds.filter((id) => id !== permission.id);
    }
    for (const role of this.roles.values()) {
      role.permissionIds = role.permissionIds.filter((id) => id !== permission.id);
    }
  }

  addRole(role: RoleRecord): void {
    this.roles.set(role.id, role);
    this.rolesByName.set(role.name, role);
  }

  removeRole(role: RoleRecord): void {
    this.roles.delete(role.id);
    this.rolesByName.delete(role.name);
    for (const key of this.keys.values()) {
      key.roleIds = key.roleIds.filter((id) => id !== role.id);
    }
  }

  addIdentity(identity: IdentityRecord): void {
    this.identities.set(identity.id, identity);
    this.identitiesByExternalId.set(identity.externalId, identity);
  }

  /**
   * Deletes an identity. Its keys keep pointing at it, as Unkey's keys keep the
   * soft-deleted identity's id, so they lose it (and its rate limits) for good:
   * an identity created later with the same externalId is a new one.
   */
  removeIdentity(identity: IdentityRecord): void {
    this.identities.delete(identity.id);
    this.identitiesByExternalId.delete(identity.externalId);
  }

  /** A permission by id, slug or name. */
  findPermission(ref: string): PermissionRecord | undefined {
    const found = this.permissions.get(ref) ?? this.permissionsBySlug.get(ref);
    if (found) return found;
    for (const permission of this.permissions.values())
      if (permission.name === ref) return permission;
    return undefined;
  }

  /** A role by id or name. */
  findRole(ref: string): RoleRecord | undefined {
    return this.roles.get(ref) ?? this.rolesByName.get(ref);
  }

  /** An identity by id or external id. */
  findIdentity(ref: string): IdentityRecord | undefined {
    return this.identities.get(ref) ?? this.identitiesByExternalId.get(ref);
  }

  toSnapshot(): Snapshot {
    return {
      version: 1,
      apis: [...this.apis.values()],
      keys: [...this.keys.values()],
      permissions: [...this.permissions.values()],
      roles: [...this.roles.values()],
      identities: [...this.identities.values()],
      namespaces: [...this.namespaces.values()],
      overrides: [...this.overrides.values()].flatMap((rows) => [...rows.values()]),
      migrations: [...this.migrations.values()],
    };
  }

  static fromSnapshot(snapshot: Snapshot): State {
    const state = new State();
    for (const api of snapshot.apis) {
      state.addApi({ ...api, keyspaceId: api.keyspaceId ?? defaultKeyspaceId(api.id) });
    }
    for (const permission of snapshot.permissions) state.addPermission(permission);
    for (const role of snapshot.roles) state.addRole(role);
    for (const identity of snapshot.identities) state.addIdentity(identity);
    for (const key of snapshot.keys) state.addKey(key);
    for (const namespace of snapshot.namespaces ?? []) state.addNamespace(namespace);
    for (const override of snapshot.overrides ?? []) state.addOverride(override);
    for (const migration of snapshot.migrations ?? [])
      state.migrations.set(migration.id, migration);
    return state;
  }
}
