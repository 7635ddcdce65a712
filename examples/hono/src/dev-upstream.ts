import { startEmulator } from "@keyguard/emulator";

/** Where keys are verified: real Unkey, or an in-process emulator seeded with one key. */
export interface Upstream {
  readonly rootKey: string;
  readonly baseUrl?: string;
  /** A key created on the emulator (absent on real Unkey: bring your own). */
  readonly key?: string;
  stop(): Promise<void>;
}

/**
 * Real Unkey when `UNKEY_ROOT_KEY` is set (with `UNKEY_BASE_URL` if given);
 * otherwise starts the emulator in-process and creates the `permissions` and
 * one key that holds `grant`.
 *
 * @example
 * ```ts
 * const upstream = await devUpstream(["projects.read"], ["projects.read"]);
 * ```
 */
export async function devUpstream(
  permissions: readonly string[],
  grant: readonly string[],
): Promise<Upstream> {
  const rootKey = process.env.UNKEY_ROOT_KEY;
  if (rootKey) return { rootKey, baseUrl: process.env.UNKEY_BASE_URL, stop: async () => {} };
  const emulator = await startEmulator({ port: 0 });
  const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "example" });
  for (const slug of permissions) {
    await emulator.call("permissions.createPermission", { name: slug, slug });
  }
  const { key } = await emulator.call<{ key: string }>("keys.createKey", {
    apiId,
    name: "Example key",
    externalId: "user_42",
    meta: { plan: "pro" },
    permissions: grant,
  });
  return { rootKey: emulator.rootKey, baseUrl: emulator.url, key, stop: () => emulator.stop() };
}
