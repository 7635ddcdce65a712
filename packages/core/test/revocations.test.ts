import { describe, expect, it } from "vitest";
import { REVOKED_MEMORY_MS, Revocations, revocationMemoryMs } from "../src/verify/revocations";

// The revocation memory with plain numbers for time: no clock, no network.
describe("Revocations", () => {
  it("knows nothing revoked before anything is recorded", () => {
    const revocations = new Revocations(60_000);
    expect(revocations.since(0, ["name_1"], { keyId: "key_1" })).toBe(false);
    expect(revocations.latest).toBe(0);
  });

  it("tells whether a shared name or a key id was invalidated at or after a call started", () => {
    const revocations = new Revocations(60_000);
    revocations.record(1000, ["name_1"], ["key_1"]);
    expect(revocations.since(1000, ["name_1"], undefined)).toBe(true);
    expect(revocations.since(999, ["other", "name_1"], undefined)).toBe(true);
    expect(revocations.since(1001, ["name_1"], undefined)).toBe(false);
    expect(revocations.since(1000, [], { keyId: "key_1" })).toBe(true);
    expect(revocations.since(1000, ["name_2"], { keyId: "key_2" })).toBe(false);
    // A name and a key id never stand for each other.
    expect(revocations.since(0, ["key_1"], { keyId: "name_1" })).toBe(false);
  });

  it("forgets an invalidation once it is memoryMs old, at the next one", () => {
    const revocations = new Revocations(1000);
    revocations.record(0, ["old"], []);
    revocations.record(999, ["recent"], []);
    expect(revocations.since(0, ["old"], undefined)).toBe(true);
    revocations.record(1000, ["new"], []);
    expect(revocations.since(0, ["old"], undefined)).toBe(false);
    expect(revocations.since(0, ["recent", "new"], undefined)).toBe(true);
  });

  it("an invalidation repeated is remembered from its latest time, and older ones still go", () => {
    const revocations = new Revocations(1000);
    revocations.record(0, ["name_1"], []);
    revocations.record(500, ["other"], []);
    revocations.record(900, ["name_1"], []);
    revocations.record(1500, ["third"], []);
    expect(revocations.since(900, ["name_1"], undefined)).toBe(true);
    expect(revocations.since(0, ["other"], undefined)).toBe(false);
  });

  it("latest: every invalidation, and a touch that names no key", () => {
    const revocations = new Revocations(1000);
    revocations.record(5, [], ["key_1"]);
    expect(revocations.latest).toBe(5);
    revocations.touch(7);
    expect(revocations.latest).toBe(7);
    expect(revocations.since(6, [], { keyId: "key_1" })).toBe(false);
  });

  it("keeps: an answer is kept only from a call still attached, with no revocation since it started", () => {
    const revocations = new Revocations(60_000);
    revocations.record(2000, [], ["key_1"]);
    expect(revocations.keeps(1000, () => true, [], { keyId: "key_1" })).toBe(false);
    expect(revocations.keeps(3000, () => true, [], { keyId: "key_1" })).toBe(true);
    expect(revocations.keeps(3000, () => false, [], { keyId: "key_1" })).toBe(false);
    expect(revocations.keeps(1000, () => true, [], undefined)).toBe(true);
  });

  it("keeps no answer for a key of an identity invalidated while its call was in flight", () => {
    const revocations = new Revocations(60_000);
    // invalidateIdentity("customer_1") at 2000, during a call started at 1000: the cache held
    // nothing of it, so only the answer (its identity) ties the key to the revocation.
    revocations.record(2000, [], [], ["customer_1"]);
    const ofIdentity = { keyId: "key_1", identity: { id: "id_1", externalId: "customer_1" } };
    const ofAnother = { keyId: "key_2", identity: { id: "id_2", externalId: "customer_2" } };
    expect(revocations.keeps(1000, () => true, [], ofIdentity)).toBe(false);
    expect(revocations.keeps(1000, () => true, [], ofAnother)).toBe(true);
    expect(revocations.keeps(1000, () => true, [], { keyId: "key_3" })).toBe(true);
    // A call started after the revocation answers with the key's state since: kept.
    expect(revocations.keeps(2001, () => true, [], ofIdentity)).toBe(true);
    // An identity's externalId never stands for a key id or a shared name.
    expect(revocations.since(0, ["customer_1"], { keyId: "customer_1" })).toBe(false);
  });
});

describe("revocationMemoryMs", () => {
  it("at least a minute, and at least as long as a shared entry may live (TTL + stale window)", () => {
    expect(revocationMemoryMs(undefined)).toBe(REVOKED_MEMORY_MS);
    expect(revocationMemoryMs({ ttlMs: 5000, negativeTtlMs: 1000, staleIfErrorMs: 0 })).toBe(
      REVOKED_MEMORY_MS,
    );
    expect(
      revocationMemoryMs({ ttlMs: 30_000, negativeTtlMs: 1000, staleIfErrorMs: 300_000 }),
    ).toBe(330_000);
  });
});
