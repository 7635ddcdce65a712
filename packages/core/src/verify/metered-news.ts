import type { VerifyResult } from "../types";
import { type CacheEntry, isMeteredKey, NEGATIVE_CODES, outdates } from "./cache";

/** What other instances must drop: the key's entries by shared id, and by key id when known. */
export interface MeteredNews {
  readonly keyId: string | undefined;
}

/** Whether an answer refuses the key itself, whatever the route asks. */
export const refusesKey = (result: VerifyResult) =>
  NEGATIVE_CODES.has(result.code) || result.code === "FORBIDDEN";

/**
 * What a metered request's answer tells every other instance, as a pure function of
 * what this instance held before (`before`) and the answer: `undefined` when nothing
 * changed as far as this instance can tell.
 * - a refusal of the key (disabled, expired, forbidden, deleted) that this instance had
 *   not seen: others may still serve the key as valid from their caches;
 * - the key metered now (it has credits or an auto-applied limit): others may still serve
 *   it unmetered, and uncharged, from their caches;
 * - another permission set, or a refusal cleared.
 * A `NOT_FOUND` carries no key id: it is news only when this instance knew the key as
 * usable, so that a flood of random keys is never broadcast.
 */
export function meteredNews(
  before: CacheEntry | undefined,
  result: VerifyResult,
): MeteredNews | undefined {
  const keyId = result.keyId;
  if (refusesKey(result)) {
    if (keyId === undefined)
      return before !== undefined && before.kind !== "negative" ? { keyId } : undefined;
    return before?.result.code === result.code ? undefined : { keyId };
  }
  if (keyId === undefined) return undefined;
  if (isMeteredKey(result)) return before?.kind === "metered" ? undefined : { keyId };
  return outdates(before, result) ? { keyId } : undefined;
}

/** How long one piece of news about one key is not repeated (`negativeTtlMs` may be 0). */
const QUIET_MS = 1000;
/** Most keys remembered as announced: a bound, not a cache worth tuning. */
const MAX_REMEMBERED = 1000;

/**
 * Remembers what was announced recently, so that a burst of requests with one disabled
 * key publishes once, not once per request.
 */
export class Announcements {
  readonly #at = new Map<string, number>();

  /** Whether `what` may be announced now; remembers it when so. */
  take(what: string, now: number): boolean {
    const last = this.#at.get(what);
    if (last !== undefined && now - last < QUIET_MS) return false;
    this.#at.delete(what); // re-inserted last: the map stays in time order
    this.#at.set(what, now);
    if (this.#at.size > MAX_REMEMBERED) {
      for (const [old, at] of this.#at) {
        if (this.#at.size <= MAX_REMEMBERED && now - at < QUIET_MS) break;
        this.#at.delete(old);
      }
    }
    return true;
  }
}
