import type { SharedCache, SharedCount } from "@keyguard/core";
import { Redis } from "ioredis";
import { InvalidationBus } from "./bus";
import { entryStore, layout } from "./entry-store";
import { Keyring } from "./keyring";
import { type RedisCacheOptions, resolveRedisCacheOptions } from "./options";

/** A shared cache on Redis: pass it as `sharedCache` to any keyguard adapter or `createVerifier`. */
export interface RedisCache extends SharedCache {
  readonly timeoutMs: number;
  /** Counts the failure budget's refusals of one address group for every instance (INCR + PEXPIRE). */
  count(id: string, windowMs: number): Promise<SharedCount>;
  /** Resolves once Redis answers (both the command and the bus connection). */
  ready(): Promise<void>;
  /** Closes the connections this cache opened (never a client you passed in). */
  close(): Promise<void>;
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
  const resolved = resolveRedisCacheOptions(options);
  const { client, prefix, timeoutMs } = resolved;
  const keyring = new Keyring(resolved.secrets);
  const redis =
    client ??
    new Redis(resolved.url as string, {
      // Fail at once while Redis is away: a queued write replayed on reconnect could resurrect an entry.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
  if (client === undefined) redis.on("error", () => {}); // reported by the verifier, once per outage
  const bus = new InvalidationBus({
    redis,
    channel: `${prefix}bus`,
    context: `bus:${prefix}`,
    keyring,
    heartbeatIntervalMs: resolved.heartbeatIntervalMs,
    heartbeatTimeoutMs: resolved.heartbeatTimeoutMs,
    logger: resolved.logger,
  });
  return {
    timeoutMs,
    idFor: (key) => keyring.idFor(key),
    namesOf: (id) => keyring.namesOf(id),
    ...entryStore(redis, keyring, layout(prefix, keyring)),
    publish: (invalidation) => bus.publish(invalidation),
    subscribe: (listener) => bus.subscribe(listener),
    async ready() {
      await Promise.all([once(redis), bus.ready()]);
    },
    async close() {
      bus.close();
      if (client === undefined) await redis.quit().catch(() => {});
    },
  };
}
