import type { PreparedRequest } from "../options/verify-request";
import type { VerifyResult } from "../types";
import { type CacheEntry, isMeteredKey, NEGATIVE_CODES, outdates } from "./cache";
import { Announcements, meteredNews, refusesKey } from "./metered-news";
import type { SharedTier } from "./shared-cache";
import type { UpstreamCall } from "./upstream-call";
import { remember, type VerifierState } from "./verifier-state";

/** A metered verification: its own call to Unkey, whose news reaches the caches. */
export type MeteredCall = (
  hash: string,
  key: string,
  request: PreparedRequest,
) => Promise<VerifyResult>;

/**
 * A metered request's answer is never cached as an allow (it spent credits or
 * limits), but what it says of the key reaches the entry `/plain` serves:
 * a refusal of the key replaces it, so a revocation seen on `/paid` is not
 * contradicted by `/plain`'s cache; an answer showing the key now has credits
 * (or an auto-applied limit) leaves the "metered" marker, so `/plain` charges
 * it from then on; and a metered refusal (`USAGE_EXCEEDED`, an auto-applied
 * limit's `RATE_LIMITED`), another permission set or a cleared refusal drops
 * the entry, so the next request asks Unkey.
 */
export function rememberMetered(state: VerifierState, hash: string, result: VerifyResult): void {
  const { cache } = state;
  if (!cache) return;
  if (NEGATIVE_CODES.has(result.code) || result.code === "FORBIDDEN") remember(state, hash, result);
  else if (result.valid && isMeteredKey(result)) remember(state, hash, result);
  else if (outdates(cache.get(hash, Date.now()), result)) cache.delete(hash);
}

interface MeteredAnswer {
  readonly key: string;
  readonly hash: string;
  /** What this instance held for the key before the answer. */
  readonly before: CacheEntry | undefined;
  readonly result: VerifyResult;
  /** When the call was made (Unix ms). */
  readonly askedAt: number;
}

/**
 * What a metered route learnt about a key reaches the shared tier, as an unmetered miss's
 * answer does: a refusal is shared (every instance reading the store refuses the key), and
 * news (a refusal, the key metered now, other permissions) makes every instance drop what
 * it holds for the key, as `invalidateKeyId` does, once per change.
 */
export function shareMetered(
  tier: SharedTier,
  announcements: Announcements,
  state: VerifierState,
  answer: MeteredAnswer,
): void {
  const { key, hash, before, result, askedAt } = answer;
  const news = meteredNews(before, result);
  const refused = refusesKey(result);
  if (news === undefined && !refused) return;
  const id = tier.idFor(key);
  if (news !== undefined && announcements.take(`${result.code}:${news.keyId ?? id}`, Date.now())) {
    void tier.invalidate({ ids: [id], keyIds: news.keyId === undefined ? [] : [news.keyId] });
  } else if (refused) tier.write(id, state.cache?.get(hash, Date.now()), askedAt);
}

/**
 * The verification of a metered request (`cost`, `ratelimits`) or of a key known to be
 * metered: always a call of its own to Unkey, never joined or served from cache (it spends
 * credits or limits), whose answer updates what the caches hold for the key.
 */
export function createMeteredCall(state: VerifierState, upstream: UpstreamCall): MeteredCall {
  const announcements = new Announcements();
  return (hash, key, request) => {
    const askedAt = Date.now();
    return upstream(key, request).then((result) => {
      // An invalidation heard while the call was out (the app re-enabled the key, say, then
      // called invalidateKeyId) may postdate Unkey's answer: keep nothing of it, as the
      // unmetered path's `revocations.keeps` does.
      if (state.revocations.latest >= askedAt) return result;
      const before = state.cache?.get(hash, Date.now());
      rememberMetered(state, hash, result);
      if (state.shared !== undefined)
        shareMetered(state.shared, announcements, state, { key, hash, before, result, askedAt });
      return result;
    });
  };
}
