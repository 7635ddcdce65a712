import { describe, expect, it } from "vitest";
import type { VerifyResult } from "../src/index";
import { resolveVerifierOptions } from "../src/options/verifier-options";
import { createVerifierState, remember } from "../src/verify/verifier-state";
import { ROOT_KEY } from "./fake-unkey";

const valid = {
  valid: true,
  code: "VALID",
  keyId: "key_1",
  roles: [],
  permissions: [],
  source: "upstream",
} as VerifyResult;
const stateOf = (options: Parameters<typeof resolveVerifierOptions>[0]) =>
  createVerifierState(resolveVerifierOptions({ rootKey: ROOT_KEY, ...options }));

describe("the verifier's state", () => {
  it("holds a cache and its policy from the options, none with cache: false", () => {
    const state = stateOf({ cache: { ttlMs: 2000, negativeTtlMs: 0 }, staleIfErrorMs: 500 });
    expect(state.policy).toEqual({ ttlMs: 2000, negativeTtlMs: 0, staleIfErrorMs: 500 });
    expect(state.cache?.size).toBe(0);
    expect(state.shared).toBeUndefined();
    const off = stateOf({ cache: false });
    expect(off.cache).toBeUndefined();
    expect(off.policy).toBeUndefined();
    expect(off.counters).toEqual({
      hits: 0,
      misses: 0,
      coalesced: 0,
      sharedHits: 0,
      failures: 0,
      staleServed: 0,
      refusedLocally: 0,
    });
  });

  it("remembers invalidations as long as a shared entry may live", () => {
    const state = stateOf({ cache: { ttlMs: 100_000 } });
    state.revocations.record(0, [], ["key_1"]);
    state.revocations.record(90_000, [], ["key_2"]);
    expect(state.revocations.since(0, [], { keyId: "key_1" })).toBe(true);
  });

  it("remember keeps what the policy allows, under its shared names, and drops the older entry otherwise", () => {
    const state = stateOf({});
    const now = Date.now();
    expect(remember(state, "hash_a", valid, ["name_a"])?.kind).toBe("valid");
    expect(state.cache?.hashOfShared("name_a")).toBe("hash_a");
    // Nothing of RATE_LIMITED may be kept (Unkey's windows slide): the older entry goes too.
    const limited = { ...valid, valid: false, code: "RATE_LIMITED" } as VerifyResult;
    expect(remember(state, "hash_a", limited)).toBeUndefined();
    expect(state.cache?.get("hash_a", now)).toBeUndefined();
    expect(state.cache?.hashOfShared("name_a")).toBeUndefined();
  });

  it("remember keeps nothing with cache: false", () => {
    expect(remember(stateOf({ cache: false }), "hash_a", valid)).toBeUndefined();
  });
});
