import type { SharedCount } from "@keyguard/core";
import type { Redis } from "ioredis";
import type { layout } from "./entry-store";
import type { Keyring } from "./keyring";

// One round trip: the window opens with the first event (PEXPIRE only then, so later events
// never push its end back) and its time left comes with the count.
const COUNT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

// Gives one back only while the window lasts: a DECR of a counter that expired would make a
// new one at -1, without a TTL. DECR keeps the TTL the window opened with.
const UNCOUNT = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0`;

/** The failure budget's counters: one per address group and budget, in windows. */
export function counterStore(redis: Redis, keyring: Keyring, at: ReturnType<typeof layout>) {
  return {
    /** Counts an event under `id` (a keyed hash of what is counted) in a window of `windowMs`. */
    async count(id: string, windowMs: number): Promise<SharedCount> {
      const key = at.counterKey(keyring.writeName(id));
      const [count, ttl] = (await redis.eval(COUNT, 1, key, windowMs)) as [number, number];
      // PTTL is -1 only if the key lost its expiry (a PERSIST by hand): a window of its own then.
      return { count, resetInMs: ttl >= 0 ? ttl : windowMs };
    },

    /** Gives back one event counted under `id`, while its window lasts. */
    async uncount(id: string): Promise<void> {
      await redis.eval(UNCOUNT, 1, at.counterKey(keyring.writeName(id)));
    },
  };
}
