import { randomBytes } from "node:crypto";
import { type Emulator, startEmulator } from "@keyguard/emulator";

/** Where keys are verified, and the two keys the tour uses. */
export interface Upstream {
  readonly rootKey: string;
  readonly baseUrl?: string | undefined;
  /** Emulator only: a key with no permissions, and an admin key holding `keys.revoke`. */
  readonly keys?: { readonly user: string; readonly userKeyId: string; readonly admin: string };
  /**
   * Emulator only: how many `keys.verifyKey` calls reached "Unkey" since `countFromHere()`
   * (the instances' start-up checks are one call each, made before it).
   */
  verifications(): number | undefined;
  /** Starts counting `verifications()` from now. */
  countFromHere(): void;
  stop(): Promise<void>;
}

async function seed(emulator: Emulator): Promise<NonNullable<Upstream["keys"]>> {
  const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "cluster" });
  await emulator.call("permissions.createPermission", { name: "keys.revoke", slug: "keys.revoke" });
  const user = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
    apiId,
    name: "user key",
  });
  const admin = await emulator.call<{ key: string }>("keys.createKey", {
    apiId,
    name: "admin key",
    permissions: ["keys.revoke"],
  });
  return { user: user.key, userKeyId: user.keyId, admin: admin.key };
}

/**
 * Real Unkey when `UNKEY_ROOT_KEY` is set (bring your own keys); otherwise the
 * emulator in-process, seeded with a user key and an admin key.
 */
export async function devUpstream(): Promise<Upstream> {
  const rootKey = process.env.UNKEY_ROOT_KEY;
  if (rootKey) {
    return {
      rootKey,
      baseUrl: process.env.UNKEY_BASE_URL,
      verifications: () => undefined,
      countFromHere: () => {},
      stop: async () => {},
    };
  }
  const emulator = await startEmulator({ port: 0 });
  const keys = await seed(emulator);
  return {
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    keys,
    verifications: () => emulator.stats().calls["keys.verifyKey"] ?? 0,
    countFromHere: () => emulator.resetStats(),
    stop: () => emulator.stop(),
  };
}

/** A fresh cache secret for this run; in production every instance reads the same one. */
export function cacheSecret(): string {
  return process.env.KEYGUARD_CACHE_SECRET ?? randomBytes(32).toString("base64");
}
