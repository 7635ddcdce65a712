import { createHash } from "node:crypto";
import type {
  Invalidation,
  SharedCache,
  SharedCacheListener,
  SharedEntry,
  SharedRead,
} from "../src/index";

/**
 * An in-memory shared cache for the core's own tests (the Redis engine is tested
 * against a real redis-server in @keyguard/redis and test/cluster): one `Map`
 * and one bus, shared by every verifier built on the same store.
 */
export function memoryStore(lagMs = 0) {
  const entries = new Map<string, { value: unknown; until: number }>();
  const leases = new Map<string, number>();
  const listeners = new Set<SharedCacheListener>();
  const log: string[] = [];
  let fault: "reject" | "hang" | undefined;
  const gate = async () => {
    if (fault === "reject") throw new Error("store down");
    if (fault === "hang") await new Promise(() => {});
  };
  const store: SharedCache = {
    idFor: (key) => createHash("sha256").update(`secret:${key}`).digest("hex"),
    async get(id, leaseMs): Promise<SharedRead> {
      log.push("get");
      await gate();
      const found = entries.get(id);
      if (found !== undefined && found.until > Date.now())
        return { entry: found.value as SharedEntry };
      if ((leases.get(id) ?? 0) > Date.now()) return { lease: false };
      leases.set(id, Date.now() + leaseMs);
      return { lease: true };
    },
    async set(id, entry, ttlMs) {
      log.push("set");
      await gate();
      // `lagMs`: a real store's TTL starts when the write reaches it, after the answer's freshness began.
      entries.set(id, { value: structuredClone(entry), until: Date.now() + ttlMs + lagMs });
      leases.delete(id);
    },
    async delete(target: Invalidation) {
      log.push("delete");
      await gate();
      for (const id of target.ids ?? []) {
        entries.delete(id);
        leases.delete(id);
      }
      for (const [id, { value }] of entries)
        if (target.keyIds?.includes((value as SharedEntry).result.keyId ?? "")) entries.delete(id);
    },
    async publish(message) {
      log.push("publish");
      await gate();
      for (const listener of listeners) queueMicrotask(() => listener.message(message));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    timeoutMs: 30,
  };
  return {
    store,
    entries,
    log,
    fault: (next: typeof fault) => {
      fault = next;
    },
    reconnect: () => {
      for (const listener of listeners) listener.reconnected();
    },
  };
}
