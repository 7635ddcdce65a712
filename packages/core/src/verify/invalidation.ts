import { isPlausibleKey } from "../extract/key-format";
// The Node build swaps this import for ../hash/node (see tsup.config.ts): same output, node:crypto speed.
import { hashKey } from "../hash/web";
import type { Invalidation } from "../options/shared-cache-option";
import type { VerifierState } from "./verifier-state";

/** How a verifier forgets: its `invalidate`, `invalidateKeyId`, `invalidateIdentity` and `clear`, and what the bus says. */
export interface Forgetting {
  /** Drops what this instance knows about the keys named (an invalidation, local or from the bus). */
  readonly drop: (target: Invalidation) => void;
  readonly clear: () => void;
  readonly invalidate: (key: string) => Promise<void>;
  readonly invalidateKeyId: (keyId: string) => Promise<void>;
  readonly invalidateIdentity: (externalId: string) => Promise<void>;
}

/**
 * A verifier's invalidation: each one detaches the upstream calls in flight for the key (so
 * their answers are neither cached nor joined), deletes its cache entries, is remembered
 * (see `Revocations`) and, with a shared cache, reaches every instance.
 */
export function createForgetting(state: VerifierState): Forgetting {
  const { cache, inflight, shared, revocations, filling } = state;
  const forgetHash = (hash: string | undefined) => {
    if (hash === undefined) return;
    inflight.detach(hash);
    cache?.delete(hash);
  };

  function drop(target: Invalidation): void {
    // An id may name the entry under several secrets (a store rotating its secret):
    // the instance that sent it may know the key by only one of them.
    const names = (target.ids ?? []).flatMap((id) => shared?.namesOf(id) ?? [id]);
    const keyIds = target.keyIds ?? [];
    // A message from another instance is not trusted to be well formed: a non-string names nothing.
    const externalIds = (target.externalIds ?? []).filter((id) => typeof id === "string");
    revocations.record(Date.now(), names, keyIds, externalIds);
    for (const name of names) {
      forgetHash(cache?.hashOfShared(name));
      forgetHash(filling.get(name));
    }
    for (const keyId of keyIds) for (const hash of cache?.hashesOf(keyId) ?? []) forgetHash(hash);
    for (const externalId of externalIds)
      for (const hash of cache?.hashesOfIdentity(externalId) ?? []) forgetHash(hash);
  }

  function clear(): void {
    revocations.touch(Date.now());
    inflight.detachAll();
    cache?.clear();
  }

  async function invalidate(key: string): Promise<void> {
    if (typeof key !== "string") return;
    // Recorded with or without a cache: a hand-off may carry an answer given before.
    revocations.touch(Date.now());
    if (cache === undefined) return;
    forgetHash(hashKey(key));
    if (shared === undefined || !isPlausibleKey(key)) return;
    const target = { ids: [shared.idFor(key)] };
    drop(target);
    await shared.invalidate(target);
  }

  async function invalidateKeyId(keyId: string): Promise<void> {
    if (typeof keyId !== "string" || keyId === "") return;
    const target = { keyIds: [keyId] };
    drop(target);
    await shared?.invalidate(target);
  }

  async function invalidateIdentity(externalId: string): Promise<void> {
    if (typeof externalId !== "string" || externalId === "")
      throw new TypeError(
        `invalidateIdentity(externalId): expected the identity's externalId, a non-empty string; got ${externalId === "" ? "an empty string" : typeof externalId}.`,
      );
    const target = { externalIds: [externalId] };
    drop(target);
    await shared?.invalidate(target);
  }

  return { drop, clear, invalidate, invalidateKeyId, invalidateIdentity };
}
