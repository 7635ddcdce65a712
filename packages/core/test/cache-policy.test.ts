import { describe, expect, it } from "vitest";
import type { VerifyResult } from "../src/index";
import { entryFor } from "../src/verify/cache";

// The cache policy is a pure function: what may be kept, for how long, with no fetch and no clock.
const NOW = 1_700_000_000_000;
const POLICY = { ttlMs: 5000, negativeTtlMs: 1000, staleIfErrorMs: 60_000 };

const result = (extra: Partial<VerifyResult>): VerifyResult => ({
  valid: false,
  code: "NOT_FOUND",
  roles: [],
  permissions: [],
  requestId: "req_1",
  source: "upstream",
  ...extra,
});
const valid = (extra: Partial<VerifyResult> = {}) =>
  result({ valid: true, code: "VALID", keyId: "key_1", ...extra });

describe("entryFor: the cache policy", () => {
  it("a valid unmetered key: fresh for ttlMs, stale-if-error after, served as cache, no requestId", () => {
    const entry = entryFor(valid({ permissions: ["a"] }), NOW, POLICY);
    expect(entry).toMatchObject({
      kind: "valid",
      freshUntil: NOW + 5000,
      staleUntil: NOW + 65_000,
    });
    expect(entry?.result).toMatchObject({ source: "cache" });
    expect(entry?.result.requestId).toBeUndefined();
    expect(entry?.granted.has("a")).toBe(true);
  });

  it("never past the key's expiry; nothing when it has expired", () => {
    expect(entryFor(valid({ expires: NOW + 500 }), NOW, POLICY)).toMatchObject({
      freshUntil: NOW + 500,
      staleUntil: NOW + 500,
    });
    expect(entryFor(valid({ expires: NOW }), NOW, POLICY)).toBeUndefined();
  });

  it("a key with credits or an auto-applied limit is metered: only spares a coalesced wait", () => {
    expect(entryFor(valid({ credits: 3 }), NOW, POLICY)?.kind).toBe("metered");
    const limited = valid({
      ratelimits: [
        {
          name: "r",
          exceeded: false,
          limit: 5,
          remaining: 4,
          duration: 1000,
          reset: NOW + 1000,
          autoApply: true,
        },
      ],
    });
    expect(entryFor(limited, NOW, POLICY)?.kind).toBe("metered");
  });

  it.each(["NOT_FOUND", "DISABLED", "EXPIRED"] as const)(
    "%s: negative for negativeTtlMs",
    (code) => {
      expect(entryFor(result({ code }), NOW, POLICY)).toMatchObject({
        kind: "negative",
        freshUntil: NOW + 1000,
      });
      expect(entryFor(result({ code }), NOW, { ...POLICY, negativeTtlMs: 0 })).toBeUndefined();
    },
  );

  it("RATE_LIMITED: nothing may be kept (Unkey's window slides: the next call may pass before the reset)", () => {
    const limit = (reset: number) =>
      result({
        code: "RATE_LIMITED",
        keyId: "key_1",
        ratelimits: [
          {
            name: "r",
            exceeded: true,
            limit: 1,
            remaining: 0,
            duration: 1000,
            reset,
            autoApply: true,
          },
        ],
      });
    expect(entryFor(limit(NOW + 700), NOW, POLICY)).toBeUndefined();
    expect(entryFor(limit(NOW + 60_000), NOW, POLICY)).toBeUndefined();
  });

  it.each(["FORBIDDEN", "USAGE_EXCEEDED", "INSUFFICIENT_PERMISSIONS", "UNKNOWN"] as const)(
    "%s: nothing may be kept",
    (code) => {
      expect(entryFor(result({ code, keyId: "key_1" }), NOW, POLICY)).toBeUndefined();
    },
  );
});
