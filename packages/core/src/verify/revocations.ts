import type { VerifyResult } from "../types";
import type { CachePolicy } from "./cache";

/**
 * How long an invalidation is remembered, so that an answer to a call made
 * before it (arriving later) is not cached: longer than any store or Unkey call.
 */
export const REVOKED_MEMORY_MS = 60_000;

/** Remembered at least as long as a shared entry can live, so none outlives its revocation. */
export function revocationMemoryMs(policy: CachePolicy | undefined): number {
  return Math.max(
    REVOKED_MEMORY_MS,
    policy === undefined ? 0 : policy.ttlMs + policy.staleIfErrorMs,
  );
}

/** What an answer says of whose key it is: its key id and its identity's `externalId`. */
export type RevocationSubject = Pick<VerifyResult, "keyId" | "identity">;

/**
 * The invalidations a verifier has heard (its own `invalidate`/`invalidateKeyId`/
 * `invalidateIdentity`, or the shared cache's bus), by shared-cache name, by key id and by
 * identity, each with when it happened, for
 * `memoryMs`: an upstream answer, or a shared entry, from a call that started before one of
 * them may predate a revocation, so it is not kept.
 *
 * @example
 * ```ts
 * const revocations = new Revocations(60_000);
 * revocations.record(Date.now(), [], ["key_123"]);
 * revocations.since(startedAt, [], { keyId: "key_123" }); // true for a call started before it
 * ```
 */
export class Revocations {
  // "i:<shared name>", "k:<key id>" and "x:<externalId>" → when; in time order (each re-inserted last).
  readonly #at = new Map<string, number>();
  readonly #memoryMs: number;
  /**
   * The latest invalidation of any kind, `clear()` included (Unix ms, 0 if never): what a
   * hand-off made before it cannot vouch for.
   */
  latest = 0;

  constructor(memoryMs: number) {
    this.#memoryMs = memoryMs;
  }

  /** An invalidation that names no key (a `clear()`, a reconnected bus) or names one only locally. */
  touch(now: number): void {
    this.latest = now;
  }

  /** Records an invalidation of the keys these shared names, key ids and identities stand for. */
  record(
    now: number,
    names: readonly string[],
    keyIds: readonly string[],
    externalIds: readonly string[] = [],
  ): void {
    this.latest = now;
    for (const name of names) this.#mark(`i:${name}`, now);
    for (const keyId of keyIds) this.#mark(`k:${keyId}`, now);
    for (const externalId of externalIds) this.#mark(`x:${externalId}`, now);
  }

  #mark(name: string, now: number): void {
    this.#at.delete(name); // re-inserted last: the map stays in time order
    this.#at.set(name, now);
    for (const [old, at] of this.#at) {
      if (now - at < this.#memoryMs) break;
      this.#at.delete(old);
    }
  }

  /**
   * Whether an invalidation of one of these shared names, or of the answer's key id or
   * identity, happened at or after `since`.
   */
  since(since: number, names: readonly string[], subject: RevocationSubject | undefined): boolean {
    if (this.#at.size === 0) return false;
    if (names.some((name) => this.#happenedSince(`i:${name}`, since))) return true;
    const keyId = subject?.keyId;
    if (keyId !== undefined && this.#happenedSince(`k:${keyId}`, since)) return true;
    const externalId = subject?.identity?.externalId;
    return externalId !== undefined && this.#happenedSince(`x:${externalId}`, since);
  }

  #happenedSince(name: string, since: number): boolean {
    const at = this.#at.get(name);
    return at !== undefined && at >= since;
  }

  /**
   * Whether an answer to a call started at `startedAt` may be cached: the call is still
   * attached (no `clear()` or local invalidation detached it) and no invalidation of its
   * names, key id or identity came since. A call in flight reveals those only with its answer,
   * so this is checked then; an answer not kept is not shared with callers who joined the
   * call either (they ask Unkey themselves, see `shareable`).
   */
  keeps(
    startedAt: number,
    attached: () => boolean,
    names: readonly string[],
    subject: RevocationSubject | undefined,
  ): boolean {
    return attached() && !this.since(startedAt, names, subject);
  }
}
