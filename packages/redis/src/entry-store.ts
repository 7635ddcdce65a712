import type { Invalidation, SharedCount, SharedEntry, SharedRead } from "@keyguard/core";
import type { Redis } from "ioredis";
import type { Keyring } from "./keyring";

// One round trip for the common case: the entry under the first of its names that has
// one (one name per secret), or else the lease to fill it, on the name written
// (SET NX PX: only one instance asks Unkey, the others wait for its answer).
const GET_OR_LEASE = `for i = 1, #KEYS - 1 do
  local v = redis.call('GET', KEYS[i])
  if v then return {i, v} end
end
if redis.call('SET', KEYS[#KEYS], '1', 'NX', 'PX', ARGV[1]) then return 1 end
return 0`;

// One round trip: the window opens with the first event (PEXPIRE only then, so later events
// never push its end back) and its time left comes with the count.
const COUNT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/** An index of a key id's (or an identity's) entries outlives them by this much (their TTLs vary). */
const INDEX_SLACK_MS = 60_000;

// Adds the entry's name to each index and lets the index's TTL only grow: it must outlive the
// longest-lived entry it names, or a delete by key id / identity misses that entry (attacker
// review, issue 32 item 5). A script, not `PEXPIRE … GT`: GT takes a key with no TTL as
// infinite and would never set a fresh index's (Redis docs, EXPIRE "Options"), and NX/GT need
// Redis 7. A fresh index (made by the SADD) has PTTL -1, smaller than any TTL: it gets one.
const INDEX = `for i = 1, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return #KEYS`;

/** Where things live in Redis, under one app's prefix. */
export function layout(prefix: string, keyring: Keyring) {
  return {
    entryKey: (name: string) => `${prefix}e:${name}`,
    leaseKey: (name: string) => `${prefix}l:${name}`,
    counterKey: (name: string) => `${prefix}b:${name}`,
    indexKeys: (keyId: string) => keyring.indexNames(keyId).map((name) => `${prefix}k:${name}`),
    // Keyed HMACs too: the store never holds an externalId in clear.
    identityKeys: (externalId: string) =>
      keyring.identityNames(externalId).map((name) => `${prefix}x:${name}`),
  };
}

/** The entry store: reads under every name of an id, writes under the first secret's. */
export function entryStore(redis: Redis, keyring: Keyring, at: ReturnType<typeof layout>) {
  return {
    async get(id: string, leaseMs: number): Promise<SharedRead> {
      const names = keyring.namesOf(id);
      const keys = [...names.map(at.entryKey), at.leaseKey(keyring.writeName(id))];
      const found = (await redis.eval(GET_OR_LEASE, keys.length, ...keys, leaseMs)) as
        | [number, string]
        | number;
      if (typeof found === "number") return { lease: found === 1 };
      const where = keys[found[0] - 1] as string;
      // Sealed for its Redis key: opened for the key it was found under.
      const text = keyring.open(found[1], where);
      let entry: SharedEntry | undefined;
      try {
        entry = text === undefined ? undefined : (JSON.parse(text) as SharedEntry);
      } catch {}
      if (entry === undefined) {
        // Corrupt, altered or sealed with a secret this instance lacks: ignored and deleted.
        await redis.del(where);
        return { lease: true };
      }
      return { entry };
    },

    async set(id: string, entry: SharedEntry, ttlMs: number): Promise<void> {
      const name = keyring.writeName(id);
      const multi = redis
        .multi()
        // Sealed for its Redis key (prefix and name): an entry copied to another app's
        // prefix, or to another id, does not open.
        .set(at.entryKey(name), keyring.seal(JSON.stringify(entry), at.entryKey(name)), "PX", ttlMs)
        .del(at.leaseKey(name));
      const { keyId, identity } = entry.result;
      // Indexed under every secret's index name: an instance that holds only one of the
      // secrets (mid-rotation) still finds the entry to delete it by key id or identity.
      const indexes = [
        ...(keyId === undefined ? [] : at.indexKeys(keyId)),
        ...(identity?.externalId === undefined ? [] : at.identityKeys(identity.externalId)),
      ];
      if (indexes.length > 0)
        multi.eval(INDEX, indexes.length, ...indexes, name, ttlMs + INDEX_SLACK_MS);
      await multi.exec();
    },

    /** Counts an event under `id` (a keyed hash of what is counted) in a window of `windowMs`. */
    async count(id: string, windowMs: number): Promise<SharedCount> {
      const key = at.counterKey(keyring.writeName(id));
      const [count, ttl] = (await redis.eval(COUNT, 1, key, windowMs)) as [number, number];
      // PTTL is -1 only if the key lost its expiry (a PERSIST by hand): a window of its own then.
      return { count, resetInMs: ttl >= 0 ? ttl : windowMs };
    },

    async delete(target: Invalidation) {
      const names = (target.ids ?? []).flatMap((id) => keyring.namesOf(id));
      const indexes = [
        ...(target.keyIds ?? []).flatMap(at.indexKeys),
        ...(target.externalIds ?? []).flatMap(at.identityKeys),
      ];
      for (const index of indexes) names.push(...(await redis.smembers(index)));
      const doomed = [
        ...indexes,
        ...names.flatMap((name) => [at.entryKey(name), at.leaseKey(name)]),
      ];
      if (doomed.length > 0) await redis.del(...doomed);
    },
  };
}
