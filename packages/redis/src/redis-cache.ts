import {
  type Invalidation,
  KeyguardConfigError,
  type SharedCache,
  type SharedCacheListener,
  type SharedEntry,
  type SharedRead,
} from "@keyguard/core";
import { Redis } from "ioredis";
import { deriveKeys, keyedHash, open, seal } from "./crypto";

/** Options of {@link redisCache}. */
export interface RedisCacheOptions {
  /** A Redis URL (`redis://host:6379`, `rediss://…` for TLS); or pass `client`. */
  url?: string | undefined;
  /**
   * Your own ioredis client (it is not closed by `close()`). Give it
   * `enableOfflineQueue: false`, so that commands fail at once while Redis is away.
   */
  client?: Redis | undefined;
  /**
   * The secret every instance shares (at least 32 characters: `openssl rand -base64 32`).
   * Entry ids are HMACs keyed by it and values are encrypted with a key derived
   * from it, so a Redis dump reveals neither API keys nor their metadata.
   */
  secret: string;
  /**
   * Prefix of every Redis key and of the bus channel: one per app sharing a Redis.
   * @default "keyguard:"
   */
  prefix?: string | undefined;
  /**
   * Longest wait for one Redis call, in ms; past it the request goes to Unkey.
   * @default 50
   */
  timeoutMs?: number | undefined;
}

/** A shared cache on Redis: pass it as `sharedCache` to any keyguard adapter or `createVerifier`. */
export interface RedisCache extends SharedCache {
  readonly timeoutMs: number;
  /** Resolves once Redis answers (both the command and the bus connection). */
  ready(): Promise<void>;
  /** Closes the connections this cache opened (never a client you passed in). */
  close(): Promise<void>;
}

// One round trip for the common case: the entry, or else the lease to fill it
// (SET NX PX: only one instance asks Unkey, the others wait for its answer).
const GET_OR_LEASE = `local v = redis.call('GET', KEYS[1])
if v then return v end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 1 end
return 0`;

/** An index of a key id's entries outlives them by this much (their TTLs vary). */
const INDEX_SLACK_MS = 60_000;

function fail(option: string, problem: string): never {
  throw new KeyguardConfigError(option, problem);
}

function once(redis: Redis): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve) => redis.once("ready", () => resolve()));
}

/**
 * A shared cache and invalidation bus on Redis for keyguard's `sharedCache`
 * option: every instance of an app verifies a key with Unkey about once per
 * TTL, and `invalidate`/`invalidateKeyId` reach every instance.
 *
 * @example
 * ```ts
 * import { unkey } from "@keyguard/express";
 * import { redisCache } from "@keyguard/redis";
 *
 * const sharedCache = redisCache({ url: process.env.REDIS_URL, secret: process.env.KEYGUARD_CACHE_SECRET });
 * app.use(unkey({ sharedCache }));
 * ```
 */
export function redisCache(options: RedisCacheOptions): RedisCache {
  if (typeof options !== "object" || options === null) fail("options", "expected an object.");
  const { url, client, secret, prefix = "keyguard:", timeoutMs = 50 } = options;
  for (const name of Object.keys(options)) {
    if (!["url", "client", "secret", "prefix", "timeoutMs"].includes(name))
      fail(name, "unknown option; expected one of url, client, secret, prefix, timeoutMs.");
  }
  if ((url === undefined) === (client === undefined))
    fail("url", "pass exactly one of `url` (a Redis URL) and `client` (an ioredis client).");
  if (url !== undefined && (typeof url !== "string" || !/^rediss?:\/\//.test(url)))
    fail("url", 'expected a Redis URL such as "redis://127.0.0.1:6379".');
  if (typeof secret !== "string" || secret.length < 32)
    fail(
      "secret",
      "expected a string of at least 32 characters shared by every instance (`openssl rand -base64 32`).",
    );
  if (typeof prefix !== "string" || prefix === "") fail("prefix", "expected a non-empty string.");
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 10_000)
    fail("timeoutMs", "expected a whole number of ms from 1 to 10,000.");

  const keys = deriveKeys(secret);
  const ignore = () => {};
  const redis =
    client ??
    new Redis(url as string, {
      // Fail at once while Redis is away: a queued write replayed on reconnect could resurrect an entry.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
  if (client === undefined) redis.on("error", ignore); // reported by the verifier, once per outage
  const entryKey = (id: string) => `${prefix}e:${id}`;
  const leaseKey = (id: string) => `${prefix}l:${id}`;
  const indexKey = (keyId: string) => `${prefix}k:${keyedHash(keys.keyId, keyId)}`;
  const channel = `${prefix}bus`;
  const busContext = `bus:${prefix}`;

  const listeners = new Set<SharedCacheListener>();
  let subscriber: Redis | undefined;
  let markSubscribed!: () => void;
  // `ready()` waits for the first acknowledged subscription, so that nothing a caller
  // caches after it is flushed by that first acknowledgement.
  const subscribed = new Promise<void>((resolve) => {
    markSubscribed = resolve;
  });

  function listen(): Redis {
    // Retried for as long as it takes: a SUBSCRIBE dropped while Redis was away would
    // leave this instance deaf to every invalidation, with nothing to say so.
    const sub = redis.duplicate({
      enableOfflineQueue: true,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
    });
    sub.on("error", ignore);
    // (Re)subscribe on every connection. Each acknowledged subscription flushes every L1:
    // messages published while this instance was not listening (a reconnect, or Redis
    // coming up after this instance) are lost, so nothing cached before may be trusted.
    sub.on("ready", () => {
      sub.subscribe(channel).then(() => {
        for (const listener of listeners) listener.reconnected();
        markSubscribed();
      }, ignore);
    });
    sub.on("message", (_channel: string, message: string) => {
      const text = open(keys.seal, message, busContext);
      if (text === undefined) return; // not sealed with our secret: not ours to obey
      let invalidation: Invalidation;
      try {
        invalidation = JSON.parse(text) as Invalidation;
      } catch {
        return;
      }
      for (const listener of listeners) listener.message(invalidation);
    });
    return sub;
  }

  return {
    timeoutMs,
    idFor: (key) => keyedHash(keys.id, key),

    async get(id, leaseMs): Promise<SharedRead> {
      const found = (await redis.eval(GET_OR_LEASE, 2, entryKey(id), leaseKey(id), leaseMs)) as
        | string
        | number;
      if (typeof found === "number") return { lease: found === 1 };
      const text = open(keys.seal, found, entryKey(id));
      let entry: SharedEntry | undefined;
      try {
        entry = text === undefined ? undefined : (JSON.parse(text) as SharedEntry);
      } catch {}
      if (entry === undefined) {
        // Corrupt, altered or sealed with another secret: ignored and deleted.
        await redis.del(entryKey(id));
        return { lease: true };
      }
      return { entry };
    },

    async set(id, entry, ttlMs) {
      const multi = redis
        .multi()
        // Sealed for its Redis key (prefix and id): an entry copied to another app's prefix, or
        // to another id, does not open.
        .set(entryKey(id), seal(keys.seal, JSON.stringify(entry), entryKey(id)), "PX", ttlMs)
        .del(leaseKey(id));
      const keyId = entry.result.keyId;
      if (keyId !== undefined)
        multi.sadd(indexKey(keyId), id).pexpire(indexKey(keyId), ttlMs + INDEX_SLACK_MS);
      await multi.exec();
    },

    async delete(target) {
      const ids = [...(target.ids ?? [])];
      const indexes = (target.keyIds ?? []).map(indexKey);
      for (const index of indexes) ids.push(...(await redis.smembers(index)));
      const doomed = [...indexes, ...ids.flatMap((id) => [entryKey(id), leaseKey(id)])];
      if (doomed.length > 0) await redis.del(...doomed);
    },

    async publish(invalidation) {
      await redis.publish(channel, seal(keys.seal, JSON.stringify(invalidation), busContext));
    },

    subscribe(listener) {
      listeners.add(listener);
      subscriber ??= listen();
      return () => listeners.delete(listener);
    },

    async ready() {
      subscriber ??= listen();
      await Promise.all([once(redis), subscribed]);
    },

    async close() {
      listeners.clear();
      const closing = [subscriber?.quit().catch(ignore)];
      if (client === undefined) closing.push(redis.quit().catch(ignore));
      await Promise.all(closing);
    },
  };
}
