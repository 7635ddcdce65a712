import { describe, expect, it } from "vitest";
import type { VerifyResult } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { type CacheEntry, entryFor } from "../src/verify/cache";
import { answerFrom, MALFORMED, serves, shareable } from "../src/verify/cached-answer";

// What a cache entry (or a shared upstream answer) answers for a route: pure functions of
// the entry and the route, no fetch and no clock.
const NOW = 1_700_000_000_000;
const POLICY = { ttlMs: 5000, negativeTtlMs: 1000, staleIfErrorMs: 0 };

const result = (extra: Partial<VerifyResult>): VerifyResult => ({
  valid: true,
  code: "VALID",
  keyId: "key_1",
  roles: [],
  permissions: ["docs.read"],
  requestId: "req_1",
  source: "upstream",
  ...extra,
});
const refused = (code: VerifyResult["code"]) =>
  result({ valid: false, code, keyId: undefined, permissions: [] });
const entryOf = (answer: VerifyResult): CacheEntry => {
  const entry = entryFor(answer, NOW, POLICY);
  if (entry === undefined) throw new Error("the policy keeps nothing of this answer");
  return entry;
};
const route = (options: Parameters<typeof prepareRequest>[0]) => prepareRequest(options);

describe("answerFrom: one cached verification serves every route", () => {
  it("answers the cached result to a route whose query the key's permissions satisfy", () => {
    const entry = entryOf(result({}));
    const answer = answerFrom(entry, route({ permissions: "docs.read" }).query);
    expect(answer).toBe(entry.result);
    expect(answer).toMatchObject({ valid: true, source: "cache" });
    expect(answer.requestId).toBeUndefined();
  });

  it("refuses a route whose query they do not satisfy, with one INSUFFICIENT_PERMISSIONS answer kept on the entry", () => {
    const entry = entryOf(result({}));
    const query = route({ permissions: "docs.write OR admin" }).query;
    const first = answerFrom(entry, query);
    expect(first).toMatchObject({
      valid: false,
      code: "INSUFFICIENT_PERMISSIONS",
      keyId: "key_1",
      source: "cache",
    });
    expect(answerFrom(entry, query)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // The key's own answer is untouched for the other routes.
    expect(answerFrom(entry, undefined)).toMatchObject({ valid: true, code: "VALID" });
  });

  it("answers a refusal of the key whatever the route asks", () => {
    const entry = entryOf(refused("DISABLED"));
    expect(answerFrom(entry, route({ permissions: "docs.write" }).query)).toMatchObject({
      code: "DISABLED",
    });
  });
});

describe("serves: what a metered request may take from the cache", () => {
  it("a valid entry serves a plain route, never one that spends credits or limits", () => {
    const entry = entryOf(result({}));
    expect(serves(entry, route(undefined))).toBe(true);
    expect(serves(entry, route({ cost: 1 }))).toBe(false);
    expect(serves(entry, route({ ratelimits: [{ name: "api.requests" }] }))).toBe(false);
  });

  it("a refusal of the key serves a metered route too (no credits apply to a missing key)", () => {
    for (const code of ["NOT_FOUND", "DISABLED", "EXPIRED"] as const)
      expect(serves(entryOf(refused(code)), route({ cost: 1 }))).toBe(true);
  });

  it("a metered key's entry serves no route: every request must reach Unkey", () => {
    const entry = entryOf(result({ credits: 10 }));
    expect(entry.kind).toBe("metered");
    expect(serves(entry, route(undefined))).toBe(false);
    expect(serves(entry, route({ cost: 1 }))).toBe(false);
  });
});

describe("shareable: what a caller who joined another's upstream call may take", () => {
  it("the entry the call left, answered for the joiner's own query", () => {
    const answer = result({});
    const shared = { result: answer, entry: entryOf(answer) };
    expect(shareable(shared, route({ permissions: "docs.read" }), undefined)).toMatchObject({
      valid: true,
      source: "cache",
    });
    expect(shareable(shared, route({ permissions: "admin" }), undefined)).toMatchObject({
      code: "INSUFFICIENT_PERMISSIONS",
    });
  });

  it("a refusal of the key, kept or not", () => {
    for (const code of ["NOT_FOUND", "FORBIDDEN"] as const)
      expect(shareable({ result: refused(code) }, route({ cost: 1 }), undefined)).toMatchObject({
        code,
      });
  });

  it("Unkey's INSUFFICIENT_PERMISSIONS only to a joiner asking the same query", () => {
    const denied = { result: refused("INSUFFICIENT_PERMISSIONS") };
    const asked = route({ permissions: "admin" });
    expect(shareable(denied, asked, "admin")?.code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(shareable(denied, route({ permissions: "docs.read" }), "admin")).toBeUndefined();
  });

  it("nothing of a metered key's answer: the joiner asks Unkey itself", () => {
    const answer = result({ credits: 10 });
    expect(shareable({ result: answer, entry: entryOf(answer) }, route(undefined), undefined)).toBe(
      undefined,
    );
    expect(shareable({ result: answer }, route(undefined), undefined)).toBeUndefined();
  });
});

it("MALFORMED is a frozen local refusal, with nothing of the key", () => {
  expect(MALFORMED).toMatchObject({ valid: false, code: "MALFORMED_KEY", source: "local" });
  expect(MALFORMED.keyId).toBeUndefined();
  expect(Object.isFrozen(MALFORMED)).toBe(true);
});
