// What the contract rows of issue 28 name besides contract-table.ts's API and
// root keys: the workspace and keyspace resource permissions are written for,
// and a key migration, as Unkey's staff would set one up.
import { createHash } from "node:crypto";

export const WORKSPACE_ID = "ws_contract";
export const KEYSPACE_ID = "ks_contract";
export const MIGRATION = {
  id: "mig_contract",
  algorithm: "github.com/seamapi/prefixed-api-key",
} as const;
export const SHA256_MIGRATION = { id: "mig_contract_sha", algorithm: "sha256" } as const;

/** `unkey:v1:ws_contract:<path>#<action>` */
export const urn = (path: string, action: string) => `unkey:v1:${WORKSPACE_ID}:${path}#${action}`;

/**
 * A key of github.com/seamapi/prefixed-api-key's shape and the hash a
 * migration imports it under: hex SHA-256 of its long token
 * (internal/services/keys/get_migrated.go lines 73-90).
 */
export function seamapiKey(prefix: string, shortToken: string, longToken: string) {
  return {
    key: `${prefix}_${shortToken}_${longToken}`,
    hash: createHash("sha256").update(longToken).digest("hex"),
  };
}
