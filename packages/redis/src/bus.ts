import type { Invalidation, Logger, SharedCacheListener } from "@keyguard/core";
import type { Redis } from "ioredis";
import { startHeartbeat } from "./heartbeat";
import type { Keyring } from "./keyring";

/** What the bus needs: the command connection (duplicated for the subscriber), names, secrets, heartbeat. */
export interface BusOptions {
  readonly redis: Redis;
  readonly channel: string;
  /** What every message is sealed for (its additional data): the bus of this prefix only. */
  readonly context: string;
  readonly keyring: Keyring;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly logger: Logger;
}

const ignore = () => {};

/**
 * The invalidation bus: publishes on the command connection, listens on a
 * subscriber connection of its own, and checks that connection with a heartbeat.
 * Whenever messages may have been lost (a resubscription, a dead connection),
 * every listener hears `reconnected()` and empties its cache.
 */
export class InvalidationBus {
  readonly #options: BusOptions;
  readonly #listeners = new Set<SharedCacheListener>();
  #subscriber: Redis | undefined;
  #stopHeartbeat: (() => void) | undefined;
  /** A ping went unanswered and none has been answered since: logged once per outage. */
  #dead = false;
  #markSubscribed!: () => void;
  // `ready()` waits for the first acknowledged subscription, so that nothing a caller
  // caches after it is flushed by that first acknowledgement.
  readonly #subscribed = new Promise<void>((resolve) => {
    this.#markSubscribed = resolve;
  });

  constructor(options: BusOptions) {
    this.#options = options;
  }

  subscribe(listener: SharedCacheListener): () => void {
    this.#listeners.add(listener);
    this.#listen();
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the subscription is acknowledged. */
  ready(): Promise<void> {
    this.#listen();
    return this.#subscribed;
  }

  async publish(invalidation: Invalidation): Promise<void> {
    const { redis, channel, context, keyring } = this.#options;
    await redis.publish(channel, keyring.seal(JSON.stringify(invalidation), context));
  }

  close(): void {
    this.#listeners.clear();
    this.#stopHeartbeat?.();
    // Not QUIT: on a half-open connection its answer never comes.
    this.#subscriber?.disconnect();
  }

  #flush(): void {
    for (const listener of this.#listeners) listener.reconnected();
  }

  #listen(): void {
    if (this.#subscriber !== undefined) return;
    // Retried for as long as it takes: a SUBSCRIBE dropped while Redis was away would
    // leave this instance deaf to every invalidation, with nothing to say so.
    const sub = this.#options.redis.duplicate({
      enableOfflineQueue: true,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
      // A connection dropped by the heartbeat is destroyed at once: on a half-open one
      // the FIN of a graceful close is never acknowledged.
      disconnectTimeout: 0,
    });
    this.#subscriber = sub;
    sub.on("error", ignore);
    // (Re)subscribe on every connection. Each acknowledged subscription flushes every L1:
    // messages published while this instance was not listening (a reconnect, or Redis
    // coming up after this instance) are lost, so nothing cached before may be trusted.
    sub.on("ready", () => {
      sub.subscribe(this.#options.channel).then(() => {
        this.#flush();
        this.#markSubscribed();
      }, ignore);
    });
    sub.on("message", (_channel: string, message: string) => this.#deliver(message));
    this.#stopHeartbeat = startHeartbeat({
      intervalMs: this.#options.heartbeatIntervalMs,
      timeoutMs: this.#options.heartbeatTimeoutMs,
      connected: () => sub.status === "ready",
      ping: () => sub.ping(),
      missed: () => this.#missed(sub),
      answered: () => this.#answered(),
    });
  }

  #deliver(message: string): void {
    const text = this.#options.keyring.open(message, this.#options.context);
    if (text === undefined) return; // not sealed with our secrets: not ours to obey
    let invalidation: Invalidation;
    try {
      invalidation = JSON.parse(text) as Invalidation;
    } catch {
      return;
    }
    for (const listener of this.#listeners) listener.message(invalidation);
  }

  #missed(sub: Redis): void {
    if (!this.#dead) {
      this.#dead = true;
      this.#options.logger.warn(
        `[keyguard] sharedCache: the invalidation bus did not answer a ping in ${this.#options.heartbeatTimeoutMs} ms (a half-open connection?); reconnecting it and emptying the in-process cache, since invalidations may have been missed.`,
      );
    }
    // Emptied now rather than at the resubscription: a revoked key must not wait for Redis.
    this.#flush();
    sub.disconnect(true);
  }

  #answered(): void {
    if (!this.#dead) return;
    this.#dead = false;
    this.#options.logger.warn("[keyguard] sharedCache: the invalidation bus answers again.");
  }
}
