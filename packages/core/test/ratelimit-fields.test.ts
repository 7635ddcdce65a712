import { type Item, parseList } from "structured-headers";
import { describe, expect, it } from "vitest";
import { createRatelimitGuard } from "../src/adapter";
import { fromResult } from "../src/decision/decision";
import { quotasOf } from "../src/decision/key-quotas";
import { policyName } from "../src/decision/policy-name";
import { type QuotaState, ratelimitFields } from "../src/decision/ratelimit-fields";
import { KeyguardConfigError, type RatelimitState, type VerifyResult } from "../src/index";
import {
  CURRENT_DRAFT_ONLY,
  resolveRatelimitHeaders,
} from "../src/options/ratelimit-header-options";
import { fromRatelimit } from "../src/ratelimit/ratelimit-decision";
import { ratelimitState } from "./ratelimit-state";

const NOW = 1_700_000_000_000;

/** A field parsed as RFC 9651 §4.2 parses a List: [value, { param: value }] per item. */
function items(field: string | undefined): [unknown, Record<string, unknown>][] {
  expect(field, "the field is present").toBeDefined();
  return parseList(field as string).map((member) => {
    const [value, params] = member as Item;
    return [value, Object.fromEntries(params)];
  });
}

const state = (extra: Partial<QuotaState>): QuotaState => ({
  policy: "requests",
  quota: 10,
  windowMs: 60_000,
  remaining: 5,
  resetAt: NOW + 30_000,
  exceeded: false,
  ...extra,
});

const limit = (extra: Partial<RatelimitState>) => ratelimitState(NOW, extra);

const valid = (extra: Partial<VerifyResult>): VerifyResult => ({
  valid: true,
  code: "VALID",
  keyId: "key_1",
  roles: [],
  permissions: [],
  source: "upstream",
  ...extra,
});

describe("RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-10 §3, §4)", () => {
  it("one item per policy, each a String with q, w and r, t, parsed by an RFC 9651 parser", () => {
    const headers = ratelimitFields(
      [state({}), state({ policy: "daily", quota: 1000, windowMs: 86_400_000, remaining: 990 })],
      NOW,
      CURRENT_DRAFT_ONLY,
    );
    expect(items(headers["ratelimit-policy"])).toEqual([
      ["requests", { q: 10, w: 60 }],
      ["daily", { q: 1000, w: 86_400 }],
    ]);
    expect(items(headers.ratelimit)).toEqual([
      ["requests", { r: 5, t: 30 }],
      ["daily", { r: 990, t: 30 }],
    ]);
    expect(headers["retry-after"]).toBeUndefined();
  });

  it("zero remaining on an allowed answer: r=0, no Retry-After (nothing was refused)", () => {
    const headers = ratelimitFields([state({ remaining: 0 })], NOW, CURRENT_DRAFT_ONLY);
    expect(items(headers.ratelimit)).toEqual([["requests", { r: 0, t: 30 }]]);
    expect(headers["retry-after"]).toBeUndefined();
  });

  it.each([
    [30_000, "30"],
    [30_001, "31"],
    [29_001, "30"],
    [1, "1"],
    // A reset already past (Unkey's clock ahead of ours) still says a second, never 0.
    [-5_000, "1"],
  ])(
    "a refusal resetting in %i ms: Retry-After %s, never earlier than t (rounded up)",
    (inMs, seconds) => {
      const headers = ratelimitFields(
        [state({ remaining: 0, resetAt: NOW + inMs, exceeded: true })],
        NOW,
        CURRENT_DRAFT_ONLY,
      );
      expect(headers["retry-after"]).toBe(seconds);
      const [[, params]] = items(headers.ratelimit) as [[unknown, { t: number }]];
      expect(params.t).toBe(Number(seconds));
    },
  );

  it("an allowed answer whose reset has passed says t=0", () => {
    const headers = ratelimitFields([state({ resetAt: NOW - 1 })], NOW, CURRENT_DRAFT_ONLY);
    expect(items(headers.ratelimit)).toEqual([["requests", { r: 5, t: 0 }]]);
  });

  it("a window that is no whole second is rounded up: 1.5 s is w=2, never a looser policy", () => {
    const headers = ratelimitFields([state({ windowMs: 1500 })], NOW, CURRENT_DRAFT_ONLY);
    expect(items(headers["ratelimit-policy"])).toEqual([["requests", { q: 10, w: 2 }]]);
  });

  it("several refused limits: Retry-After waits for the last of them, not for one that passed", () => {
    const headers = ratelimitFields(
      [
        state({ policy: "burst", remaining: 0, resetAt: NOW + 2_000, exceeded: true }),
        state({ policy: "hourly", remaining: 0, resetAt: NOW + 600_000, exceeded: true }),
        state({ policy: "daily", remaining: 7, resetAt: NOW + 80_000_000 }),
      ],
      NOW,
      CURRENT_DRAFT_ONLY,
    );
    expect(headers["retry-after"]).toBe("600");
    expect(items(headers.ratelimit).map(([name]) => name)).toEqual(["burst", "hourly", "daily"]);
  });

  it("no policies, no fields", () => {
    expect(ratelimitFields([], NOW, CURRENT_DRAFT_ONLY)).toEqual({});
  });
});

describe("policy names: an sf-string holds printable ASCII only", () => {
  it.each([
    ["requests", "requests"],
    ["api.requests:v2/*", "api.requests:v2/*"],
    ['say "hi"\\now', 'say "hi"\\now'],
    ["café", "caf%c3%a9"],
    ["50% off", "50%25 off"],
    ["tab\there", "tab%09here"],
    ["日本", "%e6%97%a5%e6%9c%ac"],
  ])("%j is the policy %j, and the field parses back to it", (name, policy) => {
    expect(policyName(name)).toBe(policy);
    const headers = ratelimitFields([state({ policy: policyName(name) })], NOW, CURRENT_DRAFT_ONLY);
    expect(items(headers["ratelimit-policy"])[0]?.[0]).toBe(policy);
  });

  it("a policy named after a rate limit named `credits` does not collide with the credits policy", () => {
    const states = quotasOf(valid({ credits: 4, ratelimits: [limit({ name: "credits" })] }));
    expect(states.map((s) => s.policy)).toEqual(["credits", "credits#2"]);
  });
});

describe("a key's policies: its rate limits, then its credits", () => {
  it("credits are a policy with q = r = the credits left, and no window or reset (the verify answer tells neither)", () => {
    const allowed = fromResult(valid({ credits: 42, ratelimits: [limit({})] }), undefined, NOW);
    expect(items(allowed.headers["ratelimit-policy"])).toEqual([
      ["requests", { q: 10, w: 60 }],
      ["credits", { q: 42 }],
    ]);
    expect(items(allowed.headers.ratelimit)).toEqual([
      ["requests", { r: 5, t: 30 }],
      ["credits", { r: 42 }],
    ]);
  });

  it("a key without limits or credits gets no fields (the cache-hit answer stays shared)", () => {
    const answer = valid({});
    const first = fromResult(answer, undefined, NOW);
    expect(first.headers).toEqual({});
    expect(fromResult(answer, undefined, NOW)).toBe(first);
  });
});

describe("ratelimitHeaders: the older names, for older clients", () => {
  const refused = [
    state({ policy: "burst", quota: 5, remaining: 0, resetAt: NOW + 4_000, exceeded: true }),
    state({ policy: "daily", quota: 1000, remaining: 3, resetAt: NOW + 9_000_000 }),
    { policy: "credits", quota: 7, remaining: 7, exceeded: false },
  ];

  it("draft-06 adds RateLimit-Limit/-Remaining/-Reset for the refusing policy", () => {
    const headers = ratelimitFields(
      refused,
      NOW,
      resolveRatelimitHeaders(["draft-09", "draft-06"]),
    );
    expect(headers).toMatchObject({
      "ratelimit-limit": "5",
      "ratelimit-remaining": "0",
      "ratelimit-reset": "4",
      "retry-after": "4",
    });
    expect(headers["ratelimit-policy"]).toBeDefined();
    expect(headers["x-ratelimit-limit"]).toBeUndefined();
  });

  it("x-ratelimit adds X-RateLimit-* for the policy with the least room, the reset in Unix seconds", () => {
    const allowed = refused.map((s) => ({ ...s, exceeded: false, remaining: s.remaining + 1 }));
    const headers = ratelimitFields(
      allowed,
      NOW,
      resolveRatelimitHeaders(["draft-09", "x-ratelimit"]),
    );
    expect(headers).toMatchObject({
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "1",
      "x-ratelimit-reset": String(Math.ceil((NOW + 4_000) / 1000)),
    });
    expect(headers["ratelimit-limit"]).toBeUndefined();
  });

  it.each([
    ["draft-9", /did you mean "draft-09"/],
    ["X-RateLimit", /did you mean "x-ratelimit"/],
    [["draft-06"], /expected "draft-09" among the sets/],
    [[], /empty array/],
    [42, /expected "draft-09", "draft-06", "x-ratelimit"/],
  ])("%j is refused at start-up, naming ratelimitHeaders", (value, message) => {
    const refusal = (() => {
      try {
        resolveRatelimitHeaders(value);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(KeyguardConfigError);
    expect((refusal as KeyguardConfigError).option).toMatch(/^ratelimitHeaders/);
    expect((refusal as Error).message).toMatch(message);
  });
});

describe("ratelimit(): the namespace is the policy", () => {
  const refused = {
    success: false,
    limit: 5,
    remaining: 0,
    reset: NOW + 10_000,
    source: "upstream",
  } as const;

  it("429 quota-exceeded naming the namespace, its fields, and the older names on request", () => {
    const decision = fromRatelimit(
      refused,
      NOW,
      { name: "auth.login", windowMs: 60_000 },
      resolveRatelimitHeaders(["draft-09", "draft-06"]),
    );
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.body).toMatchObject({
      type: "https://iana.org/assignments/http-problem-types#quota-exceeded",
      code: "RATE_LIMITED",
      "violated-policies": ["auth.login"],
    });
    expect(items(decision.headers["ratelimit-policy"])).toEqual([["auth.login", { q: 5, w: 60 }]]);
    expect(items(decision.headers.ratelimit)).toEqual([["auth.login", { r: 0, t: 10 }]]);
    expect(decision.headers).toMatchObject({ "retry-after": "10", "ratelimit-limit": "5" });
  });

  it("a bad ratelimitHeaders is refused when the middleware is created, naming it", () => {
    expect(() =>
      createRatelimitGuard({
        rootKey: "unkey_root_test",
        namespace: "auth.login",
        limit: 5,
        duration: 60_000,
        identifier: () => "ip",
        ratelimitHeaders: "x-ratelimits" as never,
      }),
    ).toThrow(/ratelimitHeaders.*did you mean "x-ratelimit"/);
  });
});
