import type { PreparedRequest } from "../options/verify-request";
import type { CacheEntry } from "./cache";
import type { SharedAnswer } from "./inflight";
import type { SharedTier } from "./shared-cache";
import type { UpstreamCall } from "./upstream-call";
import { remember, type VerifierState } from "./verifier-state";

/** How an L1 miss is filled: the answer, and the entry L1 keeps of it (if any). */
export type Fill = (
  hash: string,
  key: string,
  request: PreparedRequest,
  attached: () => boolean,
) => Promise<SharedAnswer>;

/** An L1 miss without a shared cache: Unkey, whose answer L1 keeps unless an invalidation came since. */
export function createDirectFill(state: VerifierState, upstream: UpstreamCall): Fill {
  return (hash, key, request, attached) => {
    const startedAt = Date.now();
    return upstream(key, request).then((result) => ({
      result,
      // An answer to a call made before `invalidate`/`invalidateKeyId`/`clear` may predate a revocation.
      entry: state.revocations.keeps(startedAt, attached, [], result)
        ? remember(state, hash, result)
        : undefined,
    }));
  };
}

/**
 * An L1 miss with a shared cache: its entry if another instance has one (or is
 * getting one: wait for it), else Unkey, whose answer is shared as L1 keeps it.
 * `timeoutMs` is the budget of the whole verification, the wait included.
 */
export function createSharedFill(
  state: VerifierState,
  tier: SharedTier,
  upstream: UpstreamCall,
  timeoutMs: number,
): Fill {
  const { revocations, filling } = state;
  return async (hash, key, request, attached) => {
    const startedAt = Date.now();
    const id = tier.idFor(key);
    const names = tier.namesOf(id);
    for (const name of names) filling.set(name, hash);
    try {
      const shared = await tier.find(id, timeoutMs);
      const found = shared?.entry;
      // An entry whose upstream call started before a revocation heard here (it raced the
      // invalidation's DEL) is refused and deleted, whoever wrote it.
      const stale = shared !== undefined && revocations.since(shared.askedAt, names, found?.result);
      if (stale) tier.forget(id);
      if (
        found !== undefined &&
        !stale &&
        revocations.keeps(startedAt, attached, names, found.result)
      ) {
        state.counters.sharedHits++;
        state.cache?.set(hash, found, names);
        return { result: found.result, entry: found };
      }
      let entry: CacheEntry | undefined;
      try {
        // One budget for the whole verification: the wait for another instance's call included.
        const result = await upstream(key, request, startedAt + timeoutMs);
        // An answer to a call made before an invalidation may predate a revocation.
        if (!revocations.keeps(startedAt, attached, names, result)) return { result };
        entry = remember(state, hash, result, names);
        return { result, entry };
      } finally {
        // Always written or deleted, which also frees the lease: instances waiting on it go on at once.
        tier.write(id, entry, startedAt);
      }
    } finally {
      for (const name of names) if (filling.get(name) === hash) filling.delete(name);
    }
  };
}
