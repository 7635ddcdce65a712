import { describe, expect, it } from "vitest";
import {
  authorize,
  createGuard,
  type Decision,
  type Deny,
  FAIL_OPEN_HEADER,
  prepareRequest,
} from "../src/adapter";
import { fromExtraction, fromFailure, fromResult } from "../src/decision/decision";
import { QUOTA_EXCEEDED } from "../src/decision/problem-types";
import {
  type KeyContext,
  KeyguardError,
  type RatelimitState,
  VerifierError,
  type VerifyCode,
  type VerifyResult,
} from "../src/index";
import { fakeUnkey, NOT_FOUND_ANSWER, ROOT_KEY } from "./fake-unkey";
import { ratelimitState } from "./ratelimit-state";

const NOW = 1_700_000_000_000;

function result(code: VerifyCode, extra: Partial<VerifyResult> = {}): VerifyResult {
  return {
    valid: code === "VALID",
    code,
    keyId: code === "NOT_FOUND" ? undefined : "key_1",
    roles: [],
    permissions: [],
    requestId: "req_42",
    source: "upstream",
    ...extra,
  };
}

function denied(decision: Decision): Deny {
  expect(decision.allowed).toBe(false);
  return decision as Deny;
}

const limit = (extra: Partial<RatelimitState>) => ratelimitState(NOW, extra);

describe("fromExtraction / fromResult / fromFailure: the decision table", () => {
  it.each([
    ["NOT_FOUND", 401],
    ["EXPIRED", 401],
    ["DISABLED", 401],
    ["FORBIDDEN", 403],
    ["INSUFFICIENT_PERMISSIONS", 403],
    ["USAGE_EXCEEDED", 429],
    ["RATE_LIMITED", 429],
    ["UNKNOWN", 401],
  ] as const)("%s → %i", (code, status) => {
    const decision = denied(fromResult(result(code), undefined, NOW));
    expect(decision.status).toBe(status);
    expect(decision.body.status).toBe(status);
    expect(decision.body.code).toBe(code === "UNKNOWN" ? "INVALID_KEY" : code);
    expect(decision.body.requestId).toBe("req_42");
    expect(decision.headers["content-type"]).toBe("application/problem+json");
    // RFC 9457 §3.1.1: IANA's registered type for a quota, keyguard's own for the rest.
    if (status === 429) expect(decision.body.type).toBe(QUOTA_EXCEEDED);
    else expect(decision.body.type).toMatch(/^urn:keyguard:problem:/);
    expect(typeof decision.body.title).toBe("string");
    expect(typeof decision.body.detail).toBe("string");
    if (status === 401)
      expect(decision.headers["www-authenticate"]).toBe(
        'Bearer realm="api", error="invalid_token"',
      );
    else if (code === "INSUFFICIENT_PERMISSIONS")
      expect(decision.headers["www-authenticate"]).toBe(
        'Bearer realm="api", error="insufficient_scope"',
      );
    else expect(decision.headers["www-authenticate"]).toBeUndefined();
  });

  it.each([
    ["MISSING_KEY", 401, 'Bearer realm="api"'],
    ["MALFORMED_KEY", 401, 'Bearer realm="api", error="invalid_token"'],
    ["DUPLICATE_KEY", 400, 'Bearer realm="api", error="invalid_request"'],
  ] as const)("extraction %s → %i with WWW-Authenticate", (code, status, challenge) => {
    const decision = denied(fromExtraction({ ok: false, code }));
    expect(decision.status).toBe(status);
    expect(decision.code).toBe(code);
    expect(decision.body.code).toBe(code);
    expect(decision.body.requestId).toBeUndefined();
    expect(decision.headers["www-authenticate"]).toBe(challenge);
  });

  it("RATE_LIMITED with a reset → Retry-After, RateLimit-Policy and RateLimit", () => {
    const decision = denied(
      fromResult(
        result("RATE_LIMITED", {
          ratelimits: [limit({ exceeded: true, remaining: 0, reset: NOW + 30_000 })],
        }),
        undefined,
        NOW,
      ),
    );
    expect(decision.status).toBe(429);
    expect(decision.headers["retry-after"]).toBe("30");
    expect(decision.headers["ratelimit-policy"]).toBe('"requests";q=10;w=60');
    expect(decision.headers.ratelimit).toBe('"requests";r=0;t=30');
    expect(decision.headers["ratelimit-limit"]).toBeUndefined();
    expect(decision.body["violated-policies"]).toEqual(["requests"]);
  });

  it("RATE_LIMITED without a known reset → no Retry-After", () => {
    const decision = denied(fromResult(result("RATE_LIMITED"), undefined, NOW));
    expect(decision.status).toBe(429);
    expect(decision.headers["retry-after"]).toBeUndefined();
  });

  it("USAGE_EXCEEDED → 429 without Retry-After (credits do not reset on a clock), the credits policy violated", () => {
    const decision = denied(fromResult(result("USAGE_EXCEEDED", { credits: 0 }), undefined, NOW));
    expect(decision.status).toBe(429);
    expect(decision.headers["retry-after"]).toBeUndefined();
    expect(decision.headers["ratelimit-policy"]).toBe('"credits";q=0');
    expect(decision.headers.ratelimit).toBe('"credits";r=0');
    expect(decision.body).toMatchObject({
      type: QUOTA_EXCEEDED,
      code: "USAGE_EXCEEDED",
      "violated-policies": ["credits"],
    });
  });

  it("a valid key → allow with context; RateLimit fields but no Retry-After when limits apply", () => {
    const plain = fromResult(result("VALID", { permissions: ["a"], name: "n" }));
    expect(plain).toMatchObject({
      allowed: true,
      context: { keyId: "key_1", name: "n", permissions: ["a"], source: "upstream" },
      headers: {},
    });
    const limited = fromResult(
      result("VALID", { ratelimits: [limit({ remaining: 3 })] }),
      undefined,
      NOW,
    );
    expect(limited.allowed).toBe(true);
    expect(limited.headers.ratelimit).toBe('"requests";r=3;t=30');
    expect(limited.headers["retry-after"]).toBeUndefined();
  });

  it("cached and stale results keep their source in the context", () => {
    for (const source of ["cache", "stale"] as const) {
      const decision = fromResult(result("VALID", { source }));
      expect(decision.allowed && decision.context?.source).toBe(source);
    }
  });

  it("VERIFIER_UNAVAILABLE → 503 with Retry-After from the error", () => {
    const error = new VerifierError("VERIFIER_UNAVAILABLE", "down", {
      retryAfterSeconds: 7,
      requestId: "req_9",
    });
    const decision = denied(fromFailure(error));
    expect(decision.status).toBe(503);
    expect(decision.body.code).toBe("VERIFIER_UNAVAILABLE");
    expect(decision.body.requestId).toBe("req_9");
    expect(decision.headers["retry-after"]).toBe("7");
    expect(decision.error).toBe(error);
  });

  it("an unexpected error → 503 with a default Retry-After", () => {
    const decision = denied(fromFailure(new TypeError("boom")));
    expect(decision.status).toBe(503);
    expect(decision.headers["retry-after"]).toBe("1");
    expect(decision.error).toBeInstanceOf(KeyguardError);
  });

  it.each(["closed", "open"] as const)(
    "VERIFIER_MISCONFIGURED → 500 under failureMode %s",
    (failureMode) => {
      const error = new VerifierError("VERIFIER_MISCONFIGURED", "bad root key", { status: 401 });
      const decision = denied(fromFailure(error, { failureMode }));
      expect(decision.status).toBe(500);
      expect(decision.body.code).toBe("VERIFIER_MISCONFIGURED");
      expect(decision.headers["retry-after"]).toBeUndefined();
    },
  );

  it("fail-open lets an outage through, flagged, but never on a route with permissions", () => {
    const error = new VerifierError("VERIFIER_UNAVAILABLE", "down");
    const open = fromFailure(error, { failureMode: "open" });
    expect(open.allowed).toBe(true);
    expect(open.headers[FAIL_OPEN_HEADER]).toBe("true");
    expect(FAIL_OPEN_HEADER).toBe("x-keyguard-fail-open");
    expect(open.allowed && open.context?.source).toBe("fail-open");
    expect(open.allowed && open.context?.permissions).toEqual([]);

    expect(denied(fromFailure(error, { failureMode: "open", strict: true })).status).toBe(503);
    expect(denied(fromFailure(error, { failureMode: "closed" })).status).toBe(503);
    expect(denied(fromFailure(error)).status).toBe(503);
  });

  it("fail-open never overrides a real answer from Unkey", () => {
    expect(denied(fromResult(result("NOT_FOUND"))).status).toBe(401);
  });
});

describe("bodies never contain the presented key", () => {
  const secret = "sk_live_SECRET_4f9d2";

  it.each([
    ["NOT_FOUND", { authorization: `Bearer ${secret}` }, 401],
    ["MALFORMED_KEY (space)", { authorization: `Bearer ${secret} x` }, 401],
    ["MALFORMED_KEY (comma)", { "x-api-key": `${secret},${secret}` }, 401],
  ] as const)("%s", async (_name, headers, status) => {
    const unkey = fakeUnkey(() => NOT_FOUND_ANSWER);
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    const decision = denied(await guard.check({ headers: new Headers(headers) }));
    expect(decision.status).toBe(status);
    const everything = JSON.stringify({ body: decision.body, headers: decision.headers });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(ROOT_KEY);
  });
});

describe("authorize()", () => {
  const context: KeyContext = {
    keyId: "key_1",
    roles: [],
    permissions: ["docs.read", "docs.write"],
    source: "cache",
  };

  it("allows when the query holds, 403 when not, 401 without a context", () => {
    const ok = authorize(context, prepareRequest({ permissions: "docs.read AND docs.write" }));
    expect(ok).toMatchObject({ allowed: true, context });
    const no = denied(authorize(context, prepareRequest({ permissions: "docs.read AND admin" })));
    expect(no.status).toBe(403);
    expect(no.body.code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(authorize(context, prepareRequest({})).allowed).toBe(true);
    const none = denied(authorize(undefined, prepareRequest({ permissions: "docs.read" })));
    expect(none.status).toBe(401);
    expect(none.body.code).toBe("MISSING_KEY");
  });

  it("never grants permissions to a fail-open context", () => {
    const failOpen: KeyContext = { keyId: "", roles: [], permissions: [], source: "fail-open" };
    const withQuery = denied(authorize(failOpen, prepareRequest({ permissions: "docs.read" })));
    expect(withQuery.status).toBe(503);
    const without = authorize(failOpen, prepareRequest({}));
    expect(without.allowed).toBe(true);
    expect(without.headers[FAIL_OPEN_HEADER]).toBe("true");
  });
});
