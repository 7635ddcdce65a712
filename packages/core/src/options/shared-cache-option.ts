import { KeyguardConfigError } from "../errors";
import type { VerifyResult } from "../types";

/** A cache entry as plain data, for a store shared between instances (`sharedCache`). */
export interface SharedEntry {
  readonly kind: "valid" | "negative";
  /** The answer as served from cache: JSON-safe, no `requestId`. */
  readonly result: VerifyResult;
  readonly freshUntil: number;
  readonly staleUntil: number;
  /**
   * When the upstream call behind this answer started (Unix ms): an instance
   * that has heard of a revocation since then refuses the entry, so an answer
   * that raced an `invalidateKeyId` (written after its DEL) is never served.
   */
  readonly askedAt: number;
}

/**
 * What {@link SharedCache.get} found: the entry, or none and whether this caller
 * took the lease to fill it (`lease: false`: another instance is asking Unkey now).
 */
export type SharedRead =
  | { readonly entry: SharedEntry; readonly lease?: undefined }
  | { readonly entry?: undefined; readonly lease: boolean };

/**
 * An invalidation: entry ids (from {@link SharedCache.idFor}), Unkey key ids and identities
 * (`externalId`). An instance from before `externalIds` ignores that field: it keeps that
 * identity's entries until they expire (at most one TTL), as it would a lost message.
 */
export interface Invalidation {
  readonly ids?: readonly string[] | undefined;
  readonly keyIds?: readonly string[] | undefined;
  readonly externalIds?: readonly string[] | undefined;
}

/** What a verifier hears on the invalidation bus. */
export interface SharedCacheListener {
  /** Another instance (or this one) invalidated keys. */
  message(invalidation: Invalidation): void;
  /** The bus connection came back: messages may have been lost meanwhile. */
  reconnected(): void;
}

/**
 * A second-tier cache shared by every instance of an app, and the bus that
 * carries invalidations between them (the `sharedCache` verifier option). The
 * engine owns the secret: it derives entry ids from keys, encrypts what it
 * stores and what it publishes. Every method may fail or hang: the verifier
 * bounds each call by `timeoutMs` and falls back to Unkey.
 *
 * @example
 * ```ts
 * import { redisCache } from "@keyguard/redis";
 * const verifier = createVerifier({ sharedCache: redisCache({ url, secret }) });
 * ```
 */
export interface SharedCache {
  /** The id of a key's entry: a keyed hash (HMAC), never the key nor its plain SHA-256. Synchronous. */
  idFor(key: string): string;
  /**
   * The names an id stands for, when one id names a key's entry under several secrets
   * (a store rotating its secret, whose instances may not all hold the same secrets
   * yet): an invalidation naming any of them names the key. Must accept ids made by
   * instances holding other secrets. Synchronous.
   * @default (id) => [id]
   */
  namesOf?(id: string): readonly string[];
  /** The entry under `id`; when there is none, also tries to take a lease of `leaseMs` to fill it. */
  get(id: string, leaseMs: number): Promise<SharedRead>;
  /** Stores an entry for `ttlMs` (and releases the lease on `id`). */
  set(id: string, entry: SharedEntry, ttlMs: number): Promise<void>;
  /** Deletes entries by id, by key id and by identity (`externalIds`), and their leases. */
  delete(target: Invalidation): Promise<void>;
  /** Sends an invalidation to every instance subscribed, this one included. */
  publish(invalidation: Invalidation): Promise<void>;
  /** Listens to the bus; returns the function that stops listening. */
  subscribe(listener: SharedCacheListener): () => void;
  /**
   * Counts one event under `id` in a window of `windowMs` opened by its first event (Redis:
   * INCR, then PEXPIRE on the first); resolves with the count so far and the ms the window
   * has left. Optional: the failure budget (`failureBudget`) is shared by every instance
   * through it, and counted by each instance alone without it. `id` is a keyed hash like
   * {@link idFor}'s: the store never sees a client address in clear.
   */
  count?(id: string, windowMs: number): Promise<SharedCount>;
  /** Longest wait for one call, in ms. @default 50 */
  readonly timeoutMs?: number | undefined;
}

/** What {@link SharedCache.count} resolves with. */
export interface SharedCount {
  /** Events counted in the current window, this one included. */
  readonly count: number;
  /** How long the window has left, in ms. */
  readonly resetInMs: number;
}

/** Checks the option at start-up: an object with every method. */
export function checkSharedCache(value: unknown): SharedCache | undefined {
  if (value === undefined) return undefined;
  const methods = ["idFor", "get", "set", "delete", "publish", "subscribe"] as const;
  const missing =
    typeof value !== "object" || value === null
      ? "idFor"
      : methods.find((m) => typeof (value as Record<string, unknown>)[m] !== "function");
  if (missing !== undefined) {
    throw new KeyguardConfigError(
      "sharedCache",
      `expected a shared cache such as redisCache() from @keyguard/redis (an object with ${methods.join(", ")}); ${missing}() is missing.`,
    );
  }
  for (const optional of ["namesOf", "count"]) {
    const method = (value as Record<string, unknown>)[optional];
    if (method !== undefined && typeof method !== "function")
      throw new KeyguardConfigError(`sharedCache.${optional}`, "expected a function, or nothing.");
  }
  return value as SharedCache;
}
