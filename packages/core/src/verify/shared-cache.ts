import type {
  Invalidation,
  SharedCache,
  SharedCacheListener,
  SharedCount,
} from "../options/shared-cache-option";
import type { Logger } from "../types";
import { type CacheEntry, type CachePolicy, entryFromShared, sharedEntryOf } from "./cache";

/** The store's default bound on one call. */
export const SHARED_TIMEOUT_MS = 50;
/** After a failure, the store is left alone this long (requests go straight to Unkey). */
const RETRY_AFTER_MS = 1000;
/** How soon an instance waiting on another's lease first looks again (then doubling). */
const POLL_MS = 5;
/** The longest pause between two looks at a leased entry. */
const MAX_POLL_MS = 50;
/** Invalidations are off the request path: they get longer than a read to reach the store. */
const INVALIDATION_TIMEOUT_MS = 2000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const FAILED: unique symbol = /* @__PURE__ */ Symbol("failed");

/**
 * The verifier's side of a shared cache: every call bounded in time, failures
 * logged once per outage and never passed on, a pause after a failure so an
 * outage costs requests nothing, and entries checked when read.
 */
export class SharedTier {
  readonly #store: SharedCache;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #policy: CachePolicy | undefined;
  readonly #scope: string;
  #downUntil = 0;
  #failing = false;
  errors = 0;

  /**
   * `scope` names what answered (a digest of the Unkey URL and root key): one
   * store shared by verifiers of different root keys keeps their answers apart,
   * since a key valid for one root key's API may be unknown to another's.
   */
  constructor(store: SharedCache, logger: Logger, scope: string, policy?: CachePolicy) {
    this.#store = store;
    this.#scope = scope;
    this.#policy = policy;
    this.#logger = logger;
    this.#timeoutMs = store.timeoutMs ?? SHARED_TIMEOUT_MS;
  }

  idFor(key: string): string {
    return this.#store.idFor(`${this.#scope}:${key}`);
  }

  subscribe(listener: SharedCacheListener): () => void {
    return this.#store.subscribe(listener);
  }

  /** What invalidations may call the entry `id` names (see {@link SharedCache.namesOf}). */
  namesOf(id: string): readonly string[] {
    return this.#store.namesOf?.(id) ?? [id];
  }

  /**
   * The fresh entry for `id` from the store, waiting (up to `waitMs`) while
   * another instance holds the lease to fill it; `undefined` when this caller
   * must ask Unkey (no entry, the lease taken, or the store unavailable).
   */
  async find(
    id: string,
    waitMs: number,
  ): Promise<{ entry: CacheEntry; askedAt: number } | undefined> {
    const deadline = Date.now() + waitMs;
    for (let pause = POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      if (Date.now() < this.#downUntil) return undefined;
      const read = await this.#call(() => this.#store.get(id, waitMs));
      if (read === FAILED) return undefined;
      if (read.entry !== undefined) {
        const now = Date.now();
        const found = entryFromShared(read.entry, now, this.#policy);
        if (found !== undefined) return found;
        const written = entryFromShared(read.entry, Number.NEGATIVE_INFINITY);
        if (written === undefined) {
          // Unreadable (or from a clock far ahead): ignored and deleted.
          this.forget(id);
          return undefined;
        }
        // Fresh for its writer but older than this instance's TTL allows: ask Unkey now,
        // and the answer replaces it.
        if (written.entry.freshUntil > now) return undefined;
        // Well-formed but past its freshness: the store's TTL started when the write
        // reached it, so the entry outlives its freshness by that write's latency, and
        // every instance's L1 (same freshUntil) expires into this window at once. Look
        // again until it is gone: then one instance takes the lease, the others wait.
      } else if (read.lease) return undefined;
      if (Date.now() + pause >= deadline) return undefined;
      await sleep(pause);
    }
  }

  /**
   * Counts a failure-budget event of an address group in the store, bounded like any call;
   * `undefined` when the store has no counter, is paused or fails (the local count rules).
   */
  async count(group: string, windowMs: number): Promise<SharedCount | undefined> {
    const store = this.#store;
    if (store.count === undefined || Date.now() < this.#downUntil) return undefined;
    // Keyed like an entry id (in its own namespace), so the store never holds the address.
    const id = store.idFor(`${this.#scope}:failure-budget:${group}`);
    const counted = await this.#call(() =>
      (store.count as NonNullable<SharedCache["count"]>)(id, windowMs),
    );
    return counted === FAILED ? undefined : counted;
  }

  /** Deletes a shared entry (and its lease) that must not be served, in the background. */
  forget(id: string): void {
    this.#fireAndForget(() => this.#store.delete({ ids: [id] }));
  }

  /** Shares what L1 keeps (never a metered entry); anything else removes the shared entry. */
  write(id: string, entry: CacheEntry | undefined, askedAt: number): void {
    // While the store is paused, only the delete is tried: it frees a lease other
    // instances wait on, and can never share anything stale.
    const paused = Date.now() < this.#downUntil;
    const shared = entry === undefined || paused ? undefined : sharedEntryOf(entry, askedAt);
    const ttlMs = shared === undefined ? 0 : Math.floor(shared.freshUntil - Date.now());
    if (shared !== undefined && ttlMs > 0)
      this.#fireAndForget(() => this.#store.set(id, shared, ttlMs));
    else this.#fireAndForget(() => this.#store.delete({ ids: [id] }));
  }

  /** Deletes from the store, then tells every instance; tried even during an outage. */
  async invalidate(target: Invalidation): Promise<void> {
    const bound = Math.max(this.#timeoutMs, INVALIDATION_TIMEOUT_MS);
    const deleted = await this.#call(() => this.#store.delete(target), bound);
    const published = await this.#call(() => this.#store.publish(target), bound);
    if (deleted === FAILED || published === FAILED) {
      this.#logger.warn(
        "[keyguard] sharedCache: an invalidation could not reach the shared cache; other instances drop the key when their cache entry expires (at most one TTL).",
      );
    }
  }

  #fireAndForget(run: () => Promise<unknown>): void {
    void this.#call(run);
  }

  async #call<T>(run: () => Promise<T>, timeoutMs = this.#timeoutMs): Promise<T | typeof FAILED> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      });
      const value = await Promise.race([run(), timeout]);
      if (this.#failing) {
        this.#failing = false;
        this.#logger.warn("[keyguard] sharedCache: the shared cache answers again.");
      }
      return value;
    } catch (error) {
      this.errors++;
      this.#downUntil = Date.now() + RETRY_AFTER_MS;
      if (!this.#failing) {
        this.#failing = true;
        this.#logger.warn(
          `[keyguard] sharedCache unavailable (${error instanceof Error ? error.message : String(error)}); verifying with Unkey and the in-process cache until it answers again.`,
        );
      }
      return FAILED;
    } finally {
      clearTimeout(timer);
    }
  }
}
