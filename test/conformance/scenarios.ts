import type { DenialCode, GuardOptions, KeyContext } from "@keyguard/core";
import type { Fault } from "@keyguard/emulator";
import type { HookSpec } from "./harness";
import { type ChallengeExpectation, type FieldsExpectation, QUOTA_EXCEEDED } from "./standards";

/**
 * The conformance table: every adapter must answer each scenario identically.
 * Values are data; the runner (conformance.test.ts) substitutes {@link KEY} and
 * {@link KEY_ID} with the scenario's freshly created key and its id.
 *
 * The runner also checks, on every step: a denial never reaches a handler, is
 * `application/problem+json` with `status` and `code` in the body and never
 * echoes the presented key; a 2xx reached exactly one handler, which answered
 * `{ route, unkey }` for the requested path.
 */

/** Placeholder for the scenario's key in header values. */
export const KEY = "$KEY";
/** Placeholder for the scenario key's id in expected contexts. */
export const KEY_ID = "$KEY_ID";
/** Placeholder, in header values, for the app's own origin (`http://127.0.0.1:PORT`). */
export const ORIGIN = "$ORIGIN";

/** Root keys the emulator is seeded with (see conformance.test.ts). */
export const ROOT_KEYS = {
  /** May verify keys of another API only: verifying ours answers NOT_FOUND, as Unkey does. */
  otherApiOnly: "unkey_root_conformance_other_api",
  /** Unknown to the emulator: Unkey answers 401, keyguard 500 VERIFIER_MISCONFIGURED. */
  unknown: "unkey_root_conformance_unknown",
} as const;

/** A key created for one scenario (`keys.createKey` fields, besides `apiId`). */
export interface KeySpec {
  readonly name?: string;
  readonly meta?: Record<string, unknown>;
  readonly roles?: readonly string[];
  readonly permissions?: readonly string[];
  readonly expires?: number;
  /** Expires this many ms after the scenario starts (on the scenario's clock). */
  readonly expiresInMs?: number;
  readonly enabled?: boolean;
  readonly externalId?: string;
  readonly credits?: { readonly remaining: number };
  readonly ratelimits?: readonly {
    readonly name: string;
    readonly limit: number;
    readonly duration: number;
    readonly autoApply?: boolean;
  }[];
}

export type Header = readonly [name: string, value: string];

export interface RequestSpec {
  /** @default "GET" */
  readonly method?: string;
  readonly path: string;
  /** Sent exactly as listed (repeats really go out twice). */
  readonly headers: readonly Header[];
}

export interface Expectation {
  readonly status: number;
  /**
   * The problem body's `code`, for a denial; `HOOK_FAILED` for the 500 the
   * harness's error handler answers when a user hook threw (see harness.ts).
   */
  readonly code?: DenialCode | "HOOK_FAILED";
  /** Fields of the problem body: a value, a pattern, an array (compared whole), or `null` for "absent". */
  readonly body?: Readonly<Record<string, string | number | RegExp | readonly string[] | null>>;
  /** Exact value, pattern, or `null` for "absent". Names are lower case. */
  readonly headers?: Readonly<Record<string, string | RegExp | null>>;
  /** The one `WWW-Authenticate` challenge, parsed (RFC 9110 §11.6.1); `null`: none. */
  readonly challenge?: ChallengeExpectation | null;
  /** `RateLimit-Policy` and `RateLimit`, parsed as RFC 9651 Lists, item by item; `null`: neither. */
  readonly fields?: FieldsExpectation | null;
  /**
   * Fields of the KeyContext the handler saw (`null`: it saw none). `roles` and
   * `permissions` are compared as sets.
   */
  readonly context?: Partial<Record<keyof KeyContext, unknown>> | null;
  /** `keys.verifyKey` calls the emulator received since the scenario started. */
  readonly upstream?: number;
}

export type Step =
  | { readonly send: RequestSpec; readonly expect: Expectation }
  /** Inject (or clear) a fault on the emulator's keys.verifyKey. */
  | { readonly fault: Fault | null }
  /** `keys.updateKey` on the scenario's key, e.g. `{ enabled: false }`. */
  | { readonly updateKey: Record<string, unknown> }
  /** Move the (faked) clock forward: cache TTLs pass without sleeping. */
  | { readonly advanceMs: number }
  /** Send a request without waiting for it; `finish` checks its answer later. */
  | { readonly begin: RequestSpec; readonly as: string }
  | { readonly finish: string; readonly expect: Expectation }
  /** Wait (bounded) until the emulator has received this many verifications in all. */
  | { readonly upstreamReaches: number }
  /** `verifier.invalidate(key)` on the scenario's key (needs `ownVerifier`). */
  | { readonly invalidate: true };

export interface Scenario {
  readonly name: string;
  /** Guard options merged over `{ rootKey, baseUrl }` of the emulator. */
  readonly guard?: GuardOptions;
  /**
   * The runner builds the verifier from the verifier options and hands it to
   * the adapter as `verifier`, so that `invalidate` steps can reach its cache.
   */
  readonly ownVerifier?: boolean;
  /** User hooks on the app-wide guard (skip, getKey, onDenied, onError), as data. */
  readonly hooks?: HookSpec;
  /**
   * The adapter must refuse the options at start-up with a `KeyguardConfigError`
   * naming `option`, its message matching `message`; no request is sent.
   */
  readonly startupError?: { readonly option: string; readonly message: RegExp };
  /** The key created for this scenario; none when omitted. */
  readonly key?: KeySpec;
  readonly steps: readonly Step[];
}

// Helpers that keep the table readable; they only build data.
const bearer = (value = KEY): Header[] => [["authorization", `Bearer ${value}`]];
const get = (path: string, headers: readonly Header[] = bearer()): RequestSpec => ({
  path,
  headers,
});
const expectCall = (send: RequestSpec, expect: Expectation): Step => ({ send, expect });

// RFC 6750 §3: a realm on every challenge; §3.1: an error code once a key was presented.
const bearerChallenge = (params: Record<string, string>): ChallengeExpectation => ({
  scheme: "Bearer",
  params: { realm: "api", ...params },
});
const CHALLENGE = bearerChallenge({});
const INVALID_TOKEN = bearerChallenge({ error: "invalid_token" });
const INVALID_REQUEST = bearerChallenge({ error: "invalid_request" });
/** RFC 6750 §3.1 `insufficient_scope`, with every permission the route's query names. */
const insufficientScope = (scope: string) =>
  bearerChallenge({ error: "insufficient_scope", scope });
// The scope of each route of harness.ts's ROUTE_PERMISSIONS, written out.
const ROUTE_SCOPES: Readonly<Record<string, string>> = {
  "/read": "docs.read",
  "/write": "docs.write",
  "/read-and-write": "docs.read docs.write",
  "/write-or-admin": "docs.write admin",
  "/grouped": "docs.read docs.write admin",
};
/** The "requests" limit of 1 an hour; `t` at least `least` (1 once it refused, RFC 9110 §10.2.3). */
function hourly(least: number): FieldsExpectation {
  return {
    policy: [["requests", { q: 1, w: 3600 }]],
    ratelimit: [["requests", { r: 0, t: { atLeast: least, atMost: 3600 } }]],
  };
}

/** A key whose last credit is spent: `q` = `r` = 0, no window (key-quotas.ts). */
const CREDITS_FIELDS: FieldsExpectation = {
  policy: [["credits", { q: 0 }]],
  ratelimit: [["credits", { r: 0 }]],
};

const PROBLEM = /^application\/problem\+json/;
const silent = { warn() {}, error() {} };

const FAR_FUTURE = 4_102_444_800_000; // 2100-01-01
const LONG_PAST = 1_000_000_000_000; // 2001-09-09
const HOUR = 3_600_000;

/** No-fault, one-request scenarios about presenting the key. */
const presenting: Scenario[] = [
  {
    name: "no key: 401 MISSING_KEY with a bare Bearer challenge, no upstream call",
    key: {},
    steps: [
      expectCall(get("/protected", []), {
        status: 401,
        code: "MISSING_KEY",
        challenge: CHALLENGE,
        headers: { "content-type": PROBLEM },
        upstream: 0,
      }),
    ],
  },
  {
    name: "empty Authorization header: 401 MISSING_KEY",
    key: {},
    steps: [
      expectCall(get("/protected", [["authorization", ""]]), {
        status: 401,
        code: "MISSING_KEY",
        challenge: CHALLENGE,
        upstream: 0,
      }),
    ],
  },
  {
    name: "scheme without a key (`Bearer`): 401 MALFORMED_KEY",
    key: {},
    steps: [
      expectCall(get("/protected", [["authorization", "Bearer"]]), {
        status: 401,
        code: "MALFORMED_KEY",
        challenge: INVALID_TOKEN,
        upstream: 0,
      }),
    ],
  },
  {
    // RFC 6750 §3.1: a request "attempted using an unsupported authentication method" is
    // challenged with no error code.
    name: "another scheme (`Basic`) and no other source: 401 MALFORMED_KEY, challenged with no error",
    key: {},
    steps: [
      expectCall(get("/protected", [["authorization", "Basic dXNlcjpwYXNz"]]), {
        status: 401,
        code: "MALFORMED_KEY",
        challenge: CHALLENGE,
        upstream: 0,
      }),
    ],
  },
  {
    name: "key with inner whitespace: 401 MALFORMED_KEY (invalid_token), never sent upstream",
    key: {},
    steps: [
      expectCall(get("/protected", bearer(`${KEY} extra`)), {
        status: 401,
        code: "MALFORMED_KEY",
        challenge: INVALID_TOKEN,
        upstream: 0,
      }),
    ],
  },
  {
    name: "key over 512 characters: 401 MALFORMED_KEY, never sent upstream",
    steps: [
      expectCall(get("/protected", bearer("k".repeat(513))), {
        status: 401,
        code: "MALFORMED_KEY",
        upstream: 0,
      }),
    ],
  },
  {
    name: "non-ASCII key: 401 MALFORMED_KEY, never sent upstream",
    steps: [
      expectCall(get("/protected", bearer("sk_caf\u00e9")), {
        status: 401,
        code: "MALFORMED_KEY",
        upstream: 0,
      }),
    ],
  },
  {
    // RFC 6750 §3.1: a request that "repeats the same parameter" is invalid_request, 400.
    name: "two Authorization headers (raw HTTP): 400 DUPLICATE_KEY (invalid_request), neither is tried",
    key: {},
    steps: [
      expectCall(get("/protected", [...bearer(), ...bearer()]), {
        status: 400,
        code: "DUPLICATE_KEY",
        challenge: INVALID_REQUEST,
        upstream: 0,
      }),
    ],
  },
  {
    name: "two X-API-Key headers (raw HTTP): 400 DUPLICATE_KEY",
    key: {},
    steps: [
      expectCall(
        get("/protected", [
          ["x-api-key", KEY],
          ["x-api-key", KEY],
        ]),
        { status: 400, code: "DUPLICATE_KEY", challenge: INVALID_REQUEST, upstream: 0 },
      ),
    ],
  },
  {
    // Unkey takes any key of 1 to 512 characters (a migrated one may hold commas or spaces);
    // a header of its own carries them: only `", "` (joined duplicates) is refused locally.
    name: "X-API-Key with a comma or inner spaces: verified by Unkey; `, ` (joined duplicates) refused locally",
    steps: [
      expectCall(get("/protected", [["x-api-key", "sk_legacy,part"]]), {
        status: 401,
        code: "NOT_FOUND",
        upstream: 1,
      }),
      expectCall(get("/protected", [["x-api-key", "legacy key 42"]]), {
        status: 401,
        code: "NOT_FOUND",
        upstream: 2,
      }),
      expectCall(get("/protected", [["x-api-key", "sk_a, sk_b"]]), {
        status: 400,
        code: "DUPLICATE_KEY",
        upstream: 2,
      }),
    ],
  },
  {
    name: "lower-case scheme (`bearer`): allowed (RFC 9110 §11.1: schemes are case-insensitive)",
    key: {},
    steps: [
      expectCall(get("/protected", [["authorization", `bearer ${KEY}`]]), {
        status: 200,
        context: { keyId: KEY_ID, source: "upstream" },
        upstream: 1,
      }),
    ],
  },
  {
    name: "upper-case scheme (`BEARER`): allowed",
    key: {},
    steps: [
      expectCall(get("/protected", [["authorization", `BEARER ${KEY}`]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
    ],
  },
  {
    name: "X-API-Key header: allowed",
    key: {},
    steps: [
      expectCall(get("/protected", [["x-api-key", KEY]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
    ],
  },
  {
    name: "Basic Authorization plus X-API-Key: the X-API-Key is used",
    key: {},
    steps: [
      expectCall(
        get("/protected", [
          ["authorization", "Basic dXNlcjpwYXNz"],
          ["x-api-key", KEY],
        ]),
        { status: 200, context: { keyId: KEY_ID }, upstream: 1 },
      ),
    ],
  },
  {
    name: "custom keySources (X-Token only): Authorization is ignored, and not challenged for",
    guard: { keySources: [{ header: "x-token" }] },
    key: {},
    steps: [
      expectCall(get("/protected"), {
        status: 401,
        code: "MISSING_KEY",
        body: { detail: /`x-token: <key>`/ },
        headers: { "www-authenticate": null },
        upstream: 0,
      }),
      expectCall(get("/protected", [["x-token", KEY]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
    ],
  },
  {
    name: "public route: no key needed, never verified, handler sees no context",
    steps: [
      expectCall(get("/public", []), { status: 200, context: null, upstream: 0 }),
      expectCall(get("/public", bearer("not-a-key")), { status: 200, context: null, upstream: 0 }),
    ],
  },
];

/** Every code `keys.verifyKey` answers, and what the handler sees for a valid key. */
const verifyCodes: Scenario[] = [
  {
    name: "VALID: 200, the handler sees the key's full context",
    key: {
      name: "conformance key",
      meta: { plan: "pro", seats: 3 },
      roles: ["editor"],
      permissions: ["billing.read"],
      externalId: "org_conformance",
      expires: FAR_FUTURE,
    },
    steps: [
      expectCall(get("/protected"), {
        status: 200,
        context: {
          keyId: KEY_ID,
          name: "conformance key",
          meta: { plan: "pro", seats: 3 },
          roles: ["editor"],
          permissions: ["billing.read", "docs.read", "docs.write"],
          identity: { externalId: "org_conformance" },
          expires: FAR_FUTURE,
          source: "upstream",
        },
        headers: { "x-keyguard-fail-open": null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "NOT_FOUND: 401 with an invalid_token challenge",
    steps: [
      expectCall(get("/protected", bearer("sk_conformance_does_not_exist")), {
        status: 401,
        code: "NOT_FOUND",
        challenge: INVALID_TOKEN,
        upstream: 1,
      }),
    ],
  },
  {
    name: "EXPIRED: 401",
    key: { expires: LONG_PAST },
    steps: [
      expectCall(get("/protected"), {
        status: 401,
        code: "EXPIRED",
        challenge: INVALID_TOKEN,
        upstream: 1,
      }),
    ],
  },
  {
    name: "DISABLED: 401",
    key: { enabled: false },
    steps: [
      expectCall(get("/protected"), {
        status: 401,
        code: "DISABLED",
        challenge: INVALID_TOKEN,
        upstream: 1,
      }),
    ],
  },
  {
    // Unkey answers 200 NOT_FOUND, with no key data, to a root key without verify rights
    // for the key's API (svc/api/routes/v2_keys_verify_key/handler.go): no 403 preflight.
    name: "root key that may not verify this API's keys: 401 NOT_FOUND, as Unkey answers",
    guard: { rootKey: ROOT_KEYS.otherApiOnly },
    key: {},
    steps: [
      expectCall(get("/protected"), {
        status: 401,
        code: "NOT_FOUND",
        challenge: INVALID_TOKEN,
        upstream: 1,
      }),
    ],
  },
  {
    name: "INSUFFICIENT_PERMISSIONS: 403 on a route whose query the key fails, insufficient_scope naming it",
    key: { permissions: ["docs.write"] },
    steps: [
      expectCall(get("/read"), {
        status: 403,
        code: "INSUFFICIENT_PERMISSIONS",
        challenge: insufficientScope("docs.read"),
        // Off by default: what the key lacks is not the client's to learn.
        body: { missingPermissions: null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "USAGE_EXCEEDED: the last credit is spent, then 429 quota-exceeded, the credits policy violated",
    key: { credits: { remaining: 1 } },
    steps: [
      expectCall(get("/protected"), {
        status: 200,
        context: { keyId: KEY_ID, credits: 0, source: "upstream" },
        fields: CREDITS_FIELDS,
        upstream: 1,
      }),
      expectCall(get("/protected"), {
        status: 429,
        code: "USAGE_EXCEEDED",
        // Credits come back on no clock the answer tells: no Retry-After, no `t`.
        headers: { "www-authenticate": null, "retry-after": null },
        fields: CREDITS_FIELDS,
        body: { type: QUOTA_EXCEEDED, "violated-policies": ["credits"] },
        upstream: 2,
      }),
    ],
  },
  {
    // Unkey refuses to verify a key that lacks a named limit the request applies (its 412,
    // internal/services/keys/validation.go): that key may not use the route; others may.
    name: "a rate limit the key lacks: 403 MISSING_RATELIMIT naming it, for that key only (Unkey's 412)",
    guard: { ratelimits: [{ name: "requests" }], logger: silent },
    key: {},
    steps: [
      expectCall(get("/protected"), {
        status: 403,
        code: "MISSING_RATELIMIT",
        body: { detail: /"requests"/ },
        headers: { "www-authenticate": null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "the same route for a key that has the limit: allowed",
    guard: { ratelimits: [{ name: "requests" }], logger: silent },
    key: { ratelimits: [{ name: "requests", limit: 10, duration: HOUR, autoApply: false }] },
    steps: [
      expectCall(get("/protected"), { status: 200, context: { keyId: KEY_ID }, upstream: 1 }),
    ],
  },
  {
    name: "RATE_LIMITED: RateLimit-Policy and RateLimit on the allowed request, then 429 quota-exceeded with Retry-After",
    key: { ratelimits: [{ name: "requests", limit: 1, duration: HOUR, autoApply: true }] },
    steps: [
      expectCall(get("/protected"), {
        status: 200,
        context: { keyId: KEY_ID },
        headers: { "retry-after": null, "ratelimit-limit": null, "x-ratelimit-limit": null },
        fields: hourly(0),
        upstream: 1,
      }),
      expectCall(get("/protected"), {
        status: 429,
        code: "RATE_LIMITED",
        headers: { "retry-after": /^[1-9]\d*$/, "ratelimit-limit": null },
        fields: hourly(1),
        body: { type: QUOTA_EXCEEDED, "violated-policies": ["requests"] },
        upstream: 2,
      }),
    ],
  },
  {
    name: "a key with an auto-applied rate limit reaches Unkey on every request, refused ones too",
    key: { ratelimits: [{ name: "requests", limit: 1, duration: HOUR, autoApply: true }] },
    steps: [
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 1 }),
      expectCall(get("/protected"), { status: 429, code: "RATE_LIMITED", upstream: 2 }),
      expectCall(get("/protected"), {
        status: 429,
        code: "RATE_LIMITED",
        headers: { "retry-after": /^[1-9]\d*$/ },
        upstream: 3,
      }),
    ],
  },
];

/** Per-route permission queries, evaluated locally against the key's permissions. */
function permission(
  route: string,
  permissions: readonly string[],
  status: 200 | 403,
  roles?: readonly string[],
): Scenario {
  const verdict = status === 200 ? "passes" : "fails";
  const holder = roles ? `role ${roles.join(", ")}` : `[${permissions.join(", ")}]`;
  return {
    name: `${route} ${verdict} for a key with ${holder}`,
    key: roles ? { roles } : { permissions },
    steps: [
      expectCall(
        get(route),
        status === 200
          ? { status, context: { keyId: KEY_ID }, upstream: 1 }
          : {
              status,
              code: "INSUFFICIENT_PERMISSIONS",
              challenge: insufficientScope(ROUTE_SCOPES[route] as string),
              upstream: 1,
            },
      ),
    ],
  };
}

const permissions: Scenario[] = [
  permission("/read", ["docs.read"], 200),
  permission("/write", ["docs.read"], 403),
  permission("/read-and-write", ["docs.read", "docs.write"], 200),
  permission("/read-and-write", ["docs.read"], 403),
  permission("/read-and-write", [], 200, ["editor"]),
  permission("/write-or-admin", ["admin"], 200),
  permission("/write-or-admin", ["docs.write"], 200),
  permission("/write-or-admin", ["docs.read"], 403),
  permission("/grouped", ["docs.read", "docs.write"], 200),
  permission("/grouped", ["admin"], 200),
  permission("/grouped", ["docs.write"], 403),
  {
    name: "one cached verification serves every route's query: one upstream call for five routes",
    key: { permissions: ["docs.read"] },
    steps: [
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 1 }),
      expectCall(get("/read"), { status: 200, context: { source: "cache" }, upstream: 1 }),
      expectCall(get("/write"), { status: 403, code: "INSUFFICIENT_PERMISSIONS", upstream: 1 }),
      expectCall(get("/write-or-admin"), {
        status: 403,
        code: "INSUFFICIENT_PERMISSIONS",
        upstream: 1,
      }),
      expectCall(get("/read-and-write"), {
        status: 403,
        code: "INSUFFICIENT_PERMISSIONS",
        upstream: 1,
      }),
    ],
  },
];

/** Upstream call counts: cache on, off, metered routes, negative caching, TTL. */
const caching: Scenario[] = [
  {
    name: "cache on: three requests, one upstream call (sources upstream, cache, cache)",
    key: {},
    steps: [
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 1 }),
      expectCall(get("/protected"), { status: 200, context: { source: "cache" }, upstream: 1 }),
      expectCall(get("/read-and-write"), {
        status: 403,
        code: "INSUFFICIENT_PERMISSIONS",
        upstream: 1,
      }),
    ],
  },
  {
    name: "cache off: every request reaches Unkey",
    guard: { cache: false },
    key: { permissions: ["docs.read"] },
    steps: [
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 1 }),
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 2 }),
      expectCall(get("/read"), { status: 200, context: { source: "upstream" }, upstream: 3 }),
    ],
  },
  {
    name: "metered route (cost 1): every request reaches Unkey even with the cache on",
    key: { credits: { remaining: 10 } },
    steps: [
      expectCall(get("/metered"), { status: 200, context: { credits: 9 }, upstream: 1 }),
      expectCall(get("/metered"), {
        status: 200,
        context: { credits: 8, source: "upstream" },
        upstream: 2,
      }),
    ],
  },
  {
    name: "NOT_FOUND is cached briefly: a flood of one bad key costs one call per negative TTL",
    guard: { cache: { negativeTtlMs: 1000 } },
    steps: [
      expectCall(get("/protected", bearer("sk_conformance_flood")), {
        status: 401,
        code: "NOT_FOUND",
        upstream: 1,
      }),
      expectCall(get("/protected", bearer("sk_conformance_flood")), {
        status: 401,
        code: "NOT_FOUND",
        upstream: 1,
      }),
      { advanceMs: 1001 },
      expectCall(get("/protected", bearer("sk_conformance_flood")), {
        status: 401,
        code: "NOT_FOUND",
        upstream: 2,
      }),
    ],
  },
  {
    // Documented behaviour: revocation takes effect within the cache TTL (Unkey itself
    // documents up to 60 s). The clock is faked, so the TTL passes without sleeping.
    name: "key disabled while cached: still allowed within the TTL (300 ms), refused after it",
    guard: { cache: { ttlMs: 300 } },
    key: {},
    steps: [
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 1 }),
      { updateKey: { enabled: false } },
      expectCall(get("/protected"), { status: 200, context: { source: "cache" }, upstream: 1 }),
      { advanceMs: 299 },
      expectCall(get("/protected"), { status: 200, context: { source: "cache" }, upstream: 1 }),
      { advanceMs: 2 },
      expectCall(get("/protected"), { status: 401, code: "DISABLED", upstream: 2 }),
    ],
  },
  {
    name: "a cached answer never outlives the key's expiry (TTL 60 s, key expires in 500 ms)",
    key: { expiresInMs: 500 },
    guard: { cache: { ttlMs: 60_000 } },
    steps: [
      expectCall(get("/protected"), { status: 200, upstream: 1 }),
      { advanceMs: 499 },
      expectCall(get("/protected"), { status: 200, context: { source: "cache" }, upstream: 1 }),
      { advanceMs: 2 },
      expectCall(get("/protected"), { status: 401, code: "EXPIRED", upstream: 2 }),
    ],
  },
];

/**
 * An outage as a load balancer shows it: a 503 page without Unkey's error envelope. Unkey's
 * own 5xx (its envelope, a request id) is Unkey answering, which fail-open does not cover.
 */
const GATEWAY_DOWN: Fault = {
  status: 503,
  contentType: "text/html",
  body: "<html>503 Service Unavailable</html>",
};

const verifierDown = (fault: Fault, name: string, guard: GuardOptions = {}): Scenario => ({
  name: `verifier down (${name}): 503 VERIFIER_UNAVAILABLE with Retry-After, fail-closed`,
  // A silent Unkey is cut off by a one-second deadline; one that answers gets a deadline no
  // answer comes near, so that its 503 is the answer's doing however busy the machine (with
  // 300 ms, the request could even be cut off before the emulator counted it).
  guard: { timeoutMs: fault.hang ? 1_000 : 10_000, ...guard },
  key: {},
  steps: [
    { fault },
    expectCall(get("/protected"), {
      status: 503,
      code: "VERIFIER_UNAVAILABLE",
      headers: { "retry-after": /^\d+$/, "x-keyguard-fail-open": null },
      upstream: 1,
    }),
  ],
});

/** Unkey unavailable or refusing us: fail closed by default, fail open on request, stale-if-error. */
const failures: Scenario[] = [
  verifierDown({ status: 503 }, "Unkey answers 503"),
  verifierDown({ status: 500 }, "Unkey answers 500"),
  verifierDown({ status: 200, body: "{not json" }, "garbage JSON"),
  verifierDown({ status: 200, contentType: "text/html", body: "<html>" }, "an HTML page"),
  verifierDown({ hang: true }, "no answer within timeoutMs"),
  verifierDown({ reset: true }, "connection reset"),
  {
    // Port 9 (discard) is closed on any machine that runs this suite: the connection is
    // refused, retried once (it provably never reached Unkey), then refused again.
    name: "Unkey unreachable (connection refused): 503 VERIFIER_UNAVAILABLE, fail-closed",
    guard: { baseUrl: "http://127.0.0.1:9", timeoutMs: 1000 },
    key: {},
    steps: [
      expectCall(get("/protected"), {
        status: 503,
        code: "VERIFIER_UNAVAILABLE",
        headers: { "retry-after": /^\d+$/, "x-keyguard-fail-open": null },
        upstream: 0,
      }),
    ],
  },
  {
    name: "Unkey refuses the root key: 500 VERIFIER_MISCONFIGURED",
    guard: { rootKey: ROOT_KEYS.unknown, logger: silent },
    key: {},
    steps: [
      expectCall(get("/protected"), {
        status: 500,
        code: "VERIFIER_MISCONFIGURED",
        headers: { "www-authenticate": null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "fail-open (opt-in): the handler is reached, flagged by source and header",
    guard: { failureMode: "open" },
    key: {},
    steps: [
      // Unkey answered no call of this process for longer than timeoutMs (earlier scenarios
      // moved the clock by up to a minute): a failure now is an outage, not one call's own.
      { advanceMs: 120_000 },
      { fault: GATEWAY_DOWN },
      expectCall(get("/protected"), {
        status: 200,
        context: { source: "fail-open", keyId: "", permissions: [], roles: [] },
        headers: { "x-keyguard-fail-open": "true" },
        upstream: 1,
      }),
    ],
  },
  {
    name: "fail-open does not cover Unkey's own 5xx (its error envelope): 503, the handler not reached",
    guard: { failureMode: "open" },
    key: {},
    steps: [
      { fault: { status: 503 } },
      expectCall(get("/protected"), {
        status: 503,
        code: "VERIFIER_UNAVAILABLE",
        headers: { "x-keyguard-fail-open": null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "fail-open never grants permissions: a permission route still answers 503",
    guard: { failureMode: "open" },
    key: { permissions: ["docs.read"] },
    steps: [
      { fault: { status: 503 } },
      expectCall(get("/read"), {
        status: 503,
        code: "VERIFIER_UNAVAILABLE",
        headers: { "x-keyguard-fail-open": null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "fail-open still refuses a missing key (no outage involved)",
    guard: { failureMode: "open" },
    steps: [
      { fault: { status: 503 } },
      expectCall(get("/protected", []), { status: 401, code: "MISSING_KEY", upstream: 0 }),
    ],
  },
  {
    name: "stale-if-error: an expired entry is served during an outage, then refused after the window",
    guard: { cache: { ttlMs: 1000 }, staleIfErrorMs: 60_000 },
    key: { permissions: ["docs.read"] },
    steps: [
      expectCall(get("/read"), { status: 200, context: { source: "upstream" }, upstream: 1 }),
      // Past the 2 s timeout since Unkey's last answer: an outage, where stale answers apply.
      { advanceMs: 2001 },
      { fault: GATEWAY_DOWN },
      expectCall(get("/read"), {
        status: 200,
        context: { source: "stale", keyId: KEY_ID },
        upstream: 2,
      }),
      expectCall(get("/write"), { status: 403, code: "INSUFFICIENT_PERMISSIONS", upstream: 3 }),
      { advanceMs: 60_000 },
      expectCall(get("/read"), { status: 503, code: "VERIFIER_UNAVAILABLE", upstream: 4 }),
    ],
  },
  {
    name: "no stale-if-error by default: an expired entry is not served during an outage",
    guard: { cache: { ttlMs: 1000 } },
    key: {},
    steps: [
      expectCall(get("/protected"), { status: 200, upstream: 1 }),
      { advanceMs: 1001 },
      { fault: { status: 503 } },
      expectCall(get("/protected"), { status: 503, code: "VERIFIER_UNAVAILABLE", upstream: 2 }),
    ],
  },
  {
    name: "recovery: once Unkey answers again, the same key is allowed",
    key: {},
    steps: [
      { fault: { status: 503 } },
      expectCall(get("/protected"), { status: 503, code: "VERIFIER_UNAVAILABLE", upstream: 1 }),
      { fault: null },
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 2 }),
    ],
  },
];

const preflightHeaders: Header[] = [
  ["origin", "https://app.example"],
  ["access-control-request-method", "GET"],
];

/** CORS preflights carry no credentials (Fetch standard §4.8), so they pass unguarded by default. */
const preflight: Scenario[] = [
  {
    name: "OPTIONS preflight without a key passes unguarded by default",
    steps: [
      expectCall(
        { method: "OPTIONS", path: "/protected", headers: preflightHeaders },
        { status: 204, upstream: 0 },
      ),
    ],
  },
  {
    name: "OPTIONS that is not a preflight (no Access-Control-Request-Method) is guarded",
    steps: [
      expectCall(
        { method: "OPTIONS", path: "/protected", headers: [["origin", "https://app.example"]] },
        { status: 401, code: "MISSING_KEY", upstream: 0 },
      ),
    ],
  },
  {
    name: "OPTIONS with Access-Control-Request-Method but no Origin is not a preflight: guarded",
    steps: [
      expectCall(
        {
          method: "OPTIONS",
          path: "/protected",
          headers: [["access-control-request-method", "GET"]],
        },
        { status: 401, code: "MISSING_KEY", upstream: 0 },
      ),
    ],
  },
  {
    // Adapters read the method only when the headers look like a preflight's: it must be read then.
    name: "GET with a preflight's headers is not a preflight: guarded",
    steps: [
      expectCall(
        { method: "GET", path: "/protected", headers: preflightHeaders },
        { status: 401, code: "MISSING_KEY", upstream: 0 },
      ),
    ],
  },
  {
    name: 'preflight: "guard" guards preflights too',
    guard: { preflight: "guard" },
    steps: [
      expectCall(
        { method: "OPTIONS", path: "/protected", headers: preflightHeaders },
        { status: 401, code: "MISSING_KEY", upstream: 0 },
      ),
    ],
  },
];

const HOOK_FAILED = { status: 500, code: "HOOK_FAILED" } as const;
const noKey = get("/protected", []);
const unknownKey = get("/protected", bearer("sk_conformance_unknown_hooks"));

/**
 * One hook contract everywhere (issue 12, items 1 and 3): an async `skip` is
 * awaited and skips only on `true`; a hook that throws or rejects, on the
 * synchronous path (no key) or the asynchronous one (a cache miss), reaches the
 * framework's error handling: never a crash, never a pass.
 */
const hooks: Scenario[] = [
  {
    name: "an async skip resolving false still guards the route",
    hooks: { skip: "async-false" },
    steps: [expectCall(noKey, { status: 401, code: "MISSING_KEY", upstream: 0 })],
  },
  {
    name: "an async skip resolving true skips the guard: the handler sees no context",
    hooks: { skip: "async-true" },
    steps: [expectCall(noKey, { status: 200, context: null, upstream: 0 })],
  },
  {
    name: "a skip returning a non-boolean is an error, never a pass",
    hooks: { skip: "non-boolean" },
    steps: [expectCall(noKey, HOOK_FAILED)],
  },
  {
    name: "a throwing skip is an error, never a pass",
    hooks: { skip: "throws" },
    steps: [expectCall(noKey, HOOK_FAILED)],
  },
  {
    name: "a rejecting skip is an error, never a pass",
    hooks: { skip: "rejects" },
    steps: [expectCall(noKey, HOOK_FAILED)],
  },
  {
    name: "a throwing getKey is an error, never a pass",
    hooks: { getKey: "throws" },
    steps: [expectCall(noKey, HOOK_FAILED)],
  },
  {
    name: "a rejecting getKey is an error, never a pass",
    hooks: { getKey: "rejects" },
    steps: [expectCall(noKey, HOOK_FAILED)],
  },
  {
    name: "a throwing onDenied on the synchronous path (no key) is an error, never a pass",
    hooks: { onDenied: "throws" },
    steps: [expectCall(noKey, HOOK_FAILED)],
  },
  {
    name: "a throwing onDenied on a cache miss is an error, never a pass or a crash",
    hooks: { onDenied: "throws" },
    steps: [
      expectCall(unknownKey, { ...HOOK_FAILED, upstream: 1 }),
      // The process survived: the next request is answered.
      expectCall(unknownKey, { ...HOOK_FAILED, upstream: 1 }),
    ],
  },
  {
    name: "a rejecting onDenied on a cache miss is an error, never a pass or a crash",
    hooks: { onDenied: "rejects" },
    steps: [expectCall(unknownKey, { ...HOOK_FAILED, upstream: 1 })],
  },
  {
    name: "a throwing onError (Unkey down) is an error, never a pass or a crash",
    hooks: { onError: "throws" },
    key: {},
    steps: [{ fault: { status: 503 } }, expectCall(get("/protected"), HOOK_FAILED)],
  },
  {
    name: "a rejecting onError (Unkey down) is an error, never a pass or a crash",
    hooks: { onError: "rejects" },
    key: {},
    steps: [{ fault: { status: 503 } }, expectCall(get("/protected"), HOOK_FAILED)],
  },
];

/** Options refused at start-up, in every adapter (issue 12, item 5). */
const startup: Scenario[] = [
  {
    name: "an unknown option (`rootkey`) is refused at start-up, naming `rootKey`",
    guard: { rootkey: "x" } as GuardOptions,
    startupError: { option: "rootkey", message: /did you mean `rootKey`/ },
    steps: [],
  },
  {
    name: "an unknown option (`permission`) is refused at start-up, naming `permissions`",
    guard: { permission: "docs.read" } as GuardOptions,
    startupError: { option: "permission", message: /did you mean `permissions`/ },
    steps: [],
  },
  {
    name: "an unknown cache option (`cache.ttl`) is refused at start-up",
    guard: { cache: { ttl: 5 } } as GuardOptions,
    startupError: { option: "cache.ttl", message: /did you mean `cache.ttlMs`/ },
    steps: [],
  },
  {
    name: "a fractional timeoutMs is refused at start-up",
    guard: { timeoutMs: 1500.5 },
    startupError: { option: "timeoutMs", message: /whole number/ },
    steps: [],
  },
];

/** Coherence and extraction details that every adapter must share (issue 12). */
const hardening: Scenario[] = [
  {
    name: "invalidate() during an in-flight verification: later requests do not join the old call",
    ownVerifier: true,
    key: {},
    steps: [
      { fault: { latencyMs: 300 } },
      { begin: get("/protected"), as: "before" },
      { upstreamReaches: 1 },
      { invalidate: true },
      { begin: get("/protected"), as: "after" },
      // Without detaching, "after" would wait on the call made before the invalidation.
      { upstreamReaches: 2 },
      { fault: null },
      { finish: "before", expect: { status: 200, context: { source: "upstream" } } },
      { finish: "after", expect: { status: 200, context: { source: "upstream" }, upstream: 2 } },
      expectCall(get("/protected"), { status: 200, context: { source: "cache" }, upstream: 2 }),
    ],
  },
  {
    name: "a revocation seen on a metered route reaches the cache: the plain route refuses too",
    key: {},
    steps: [
      expectCall(get("/protected"), { status: 200, context: { source: "upstream" }, upstream: 1 }),
      { updateKey: { enabled: false } },
      expectCall(get("/metered"), { status: 401, code: "DISABLED", upstream: 2 }),
      expectCall(get("/protected"), { status: 401, code: "DISABLED", upstream: 2 }),
    ],
  },
  {
    name: "an unknown key flooding a metered route costs one call per negative TTL",
    steps: [
      expectCall(get("/metered", bearer("sk_conformance_metered_flood")), {
        status: 401,
        code: "NOT_FOUND",
        upstream: 1,
      }),
      expectCall(get("/metered", bearer("sk_conformance_metered_flood")), {
        status: 401,
        code: "NOT_FOUND",
        upstream: 1,
      }),
    ],
  },
  {
    name: "Unkey's own 429 never switches fail-open on: 503 with Retry-After",
    guard: { failureMode: "open" },
    key: {},
    steps: [
      { fault: { status: 429 } },
      expectCall(get("/protected"), {
        status: 503,
        code: "VERIFIER_UNAVAILABLE",
        headers: { "retry-after": /^\d+$/, "x-keyguard-fail-open": null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "fail-open never lets a metered route (cost) through unbilled: 503",
    guard: { failureMode: "open" },
    key: {},
    steps: [
      { fault: { status: 503 } },
      expectCall(get("/metered"), {
        status: 503,
        code: "VERIFIER_UNAVAILABLE",
        headers: { "x-keyguard-fail-open": null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "two cookies of the key's name (cookie tossing): 400 DUPLICATE_KEY, no upstream call",
    guard: { keySources: [{ cookie: "k" }] },
    key: {},
    steps: [
      expectCall(get("/protected", [["cookie", `k=${KEY}; k=${KEY}`]]), {
        status: 400,
        code: "DUPLICATE_KEY",
        headers: { "www-authenticate": null },
        upstream: 0,
      }),
    ],
  },
  {
    name: "a quoted cookie value is unquoted (RFC 6265 §4.1.1)",
    guard: { keySources: [{ cookie: "k" }] },
    key: {},
    steps: [
      expectCall(get("/protected", [["cookie", `k="${KEY}"`]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
    ],
  },
  {
    name: "a query-parameter source: the 401 names it and sends no Bearer challenge",
    guard: { keySources: [{ query: "api_key" }] },
    steps: [
      expectCall(get("/protected", []), {
        status: 401,
        code: "MISSING_KEY",
        body: { detail: /`api_key` query parameter/ },
        headers: { "www-authenticate": null },
        upstream: 0,
      }),
    ],
  },
  {
    name: "a 403 computed from the cache quotes no Unkey requestId",
    key: { permissions: ["docs.read"] },
    steps: [
      expectCall(get("/read"), { status: 200, upstream: 1 }),
      expectCall(get("/write"), {
        status: 403,
        code: "INSUFFICIENT_PERMISSIONS",
        body: { requestId: null },
        upstream: 1,
      }),
    ],
  },
  {
    name: "a 401 from Unkey's answer quotes its requestId",
    steps: [
      expectCall(get("/protected", bearer("sk_conformance_request_id")), {
        status: 401,
        code: "NOT_FOUND",
        body: { requestId: /^\S+$/ },
        upstream: 1,
      }),
    ],
  },
];

// A cookie key on an unsafe method must come from the app's own pages: a page of another
// site can make the victim's browser POST here with the cookie attached (CSRF).
const COOKIE_ONLY: GuardOptions = { keySources: [{ cookie: "k" }] };
const cookie = (): Header => ["cookie", `k=${KEY}`];
// No body: with neither length nor type, Node's client sends a chunked one, which
// Fastify refuses as 415 before Nest's guards run.
const post = (headers: readonly Header[]): RequestSpec => ({
  method: "POST",
  path: "/protected",
  headers: [...headers, ["content-length", "0"]],
});
const fetchSite = (site: string): Header => ["sec-fetch-site", site];
const EVIL = "https://evil.example";
const CROSS_SITE: Expectation = {
  status: 403,
  code: "CROSS_SITE_REQUEST",
  body: { detail: /cookie on a cross-site request/ },
  headers: { "www-authenticate": null, "content-type": PROBLEM },
};
const refusedCrossSite = (upstream: number): Expectation => ({ ...CROSS_SITE, upstream });

/** Cookie sources and cross-site requests (Fetch Metadata, `Origin`). */
const crossSite: Scenario[] = [
  {
    name: "a cookie key on a cross-site POST: 403 CROSS_SITE_REQUEST, no upstream call",
    guard: COOKIE_ONLY,
    key: {},
    steps: [
      expectCall(post([cookie(), fetchSite("cross-site"), ["origin", EVIL]]), refusedCrossSite(0)),
      // A sibling subdomain is another origin: its pages are not trusted either.
      expectCall(post([cookie(), fetchSite("same-site")]), refusedCrossSite(0)),
    ],
  },
  {
    name: "a cookie key on a POST marked Sec-Fetch-Site: same-origin (or none) is let in",
    guard: COOKIE_ONLY,
    key: {},
    steps: [
      expectCall(post([cookie(), fetchSite("cross-site")]), refusedCrossSite(0)),
      expectCall(post([cookie(), fetchSite("same-origin"), ["origin", ORIGIN]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
      // `none`: the user made the request (address bar, bookmark), no page did.
      expectCall(post([cookie(), fetchSite("none")]), { status: 200, upstream: 1 }),
    ],
  },
  {
    name: "without Sec-Fetch-Site, an Origin of the app's own host lets a cookie key POST; another site's does not",
    guard: COOKIE_ONLY,
    key: {},
    steps: [
      expectCall(post([cookie(), ["origin", EVIL]]), refusedCrossSite(0)),
      // A sandboxed page or a cross-origin redirect sends `Origin: null`.
      expectCall(post([cookie(), ["origin", "null"]]), refusedCrossSite(0)),
      expectCall(post([cookie(), ["origin", ORIGIN]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
    ],
  },
  {
    name: "a cookie key on a POST with neither Sec-Fetch-Site nor Origin (no browser) is let in",
    guard: COOKIE_ONLY,
    key: {},
    steps: [
      expectCall(post([cookie(), ["origin", EVIL]]), refusedCrossSite(0)),
      expectCall(post([cookie()]), { status: 200, context: { keyId: KEY_ID }, upstream: 1 }),
    ],
  },
  {
    name: "a cookie key on a cross-site GET is let in (a safe method); the same POST is not",
    guard: COOKIE_ONLY,
    key: {},
    steps: [
      expectCall(get("/protected", [cookie(), fetchSite("cross-site"), ["origin", EVIL]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
      expectCall(post([cookie(), fetchSite("cross-site"), ["origin", EVIL]]), refusedCrossSite(1)),
    ],
  },
  {
    name: "a header key on a cross-site POST is used, even when the cookie source comes first",
    guard: { keySources: [{ cookie: "k" }, { header: "authorization", scheme: "Bearer" }] },
    key: {},
    steps: [
      expectCall(post([cookie(), fetchSite("cross-site")]), refusedCrossSite(0)),
      expectCall(post([cookie(), ...bearer(), fetchSite("cross-site"), ["origin", EVIL]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
    ],
  },
  {
    name: "trustedOrigins: a listed origin may POST with the cookie key, any other may not",
    guard: { keySources: [{ cookie: "k", trustedOrigins: ["https://app.example.com"] }] },
    key: {},
    steps: [
      expectCall(post([cookie(), fetchSite("cross-site"), ["origin", EVIL]]), refusedCrossSite(0)),
      expectCall(
        post([
          cookie(),
          fetchSite("same-site"),
          ["origin", "https://app.example.com.evil.example"],
        ]),
        refusedCrossSite(0),
      ),
      expectCall(post([cookie(), fetchSite("cross-site"), ["origin", "https://app.example.com"]]), {
        status: 200,
        context: { keyId: KEY_ID },
        upstream: 1,
      }),
    ],
  },
  {
    name: "start-up: a trusted origin with a path is refused, naming keySources[0].trustedOrigins[0]",
    guard: { keySources: [{ cookie: "k", trustedOrigins: ["https://app.example.com/"] }] },
    startupError: {
      option: "keySources[0].trustedOrigins[0]",
      message: /"https:\/\/app\.example\.com"/,
    },
    steps: [],
  },
  {
    name: "start-up: trustedOrigins that is not an array is refused, naming keySources[1].trustedOrigins",
    guard: {
      keySources: [
        { header: "x-api-key" },
        { cookie: "k", trustedOrigins: "https://app.example.com" as never },
      ],
    },
    startupError: { option: "keySources[1].trustedOrigins", message: /expected an array/ },
    steps: [],
  },
  {
    name: "start-up: trustedOrigins on a header source is refused: only cookies need it",
    guard: {
      keySources: [{ header: "x-api-key", trustedOrigins: ["https://app.example.com"] } as never],
    },
    startupError: { option: "keySources[0].trustedOrigins", message: /only a cookie source/ },
    steps: [],
  },
];

/**
 * The standards at the edge (issue 31): the options that shape the challenges, the
 * 403 body and the rate-limit fields, on every adapter (the generic checks of every
 * answer are in standards.ts).
 */
const standards: Scenario[] = [
  {
    name: "realm: every challenge names it, the 401's and the 403's of a route's permissions",
    guard: { realm: "conformance docs" },
    key: { permissions: ["docs.read"] },
    steps: [
      expectCall(get("/protected", []), {
        status: 401,
        code: "MISSING_KEY",
        challenge: { scheme: "Bearer", params: { realm: "conformance docs" } },
        upstream: 0,
      }),
      expectCall(get("/write-or-admin"), {
        status: 403,
        code: "INSUFFICIENT_PERMISSIONS",
        challenge: {
          scheme: "Bearer",
          params: {
            realm: "conformance docs",
            error: "insufficient_scope",
            scope: "docs.write admin",
          },
        },
        upstream: 1,
      }),
    ],
  },
  {
    name: "exposeMissingPermissions: the 403 body lists what the key lacks of the route's query",
    guard: { exposeMissingPermissions: true },
    key: { permissions: ["docs.read"] },
    steps: [
      expectCall(get("/grouped"), {
        status: 403,
        code: "INSUFFICIENT_PERMISSIONS",
        challenge: insufficientScope(ROUTE_SCOPES["/grouped"] as string),
        body: { missingPermissions: ["docs.write", "admin"] },
        upstream: 1,
      }),
    ],
  },
  {
    name: 'ratelimitHeaders ["draft-09", "draft-06"]: RateLimit-Limit/-Remaining/-Reset as well',
    guard: { ratelimitHeaders: ["draft-09", "draft-06"] },
    key: { ratelimits: [{ name: "requests", limit: 1, duration: HOUR, autoApply: true }] },
    steps: [
      expectCall(get("/protected"), {
        status: 200,
        headers: {
          "ratelimit-limit": "1",
          "ratelimit-remaining": "0",
          "ratelimit-reset": /^\d+$/,
          "x-ratelimit-limit": null,
        },
        fields: hourly(0),
        upstream: 1,
      }),
      expectCall(get("/protected"), {
        status: 429,
        code: "RATE_LIMITED",
        headers: {
          "ratelimit-limit": "1",
          "ratelimit-remaining": "0",
          "ratelimit-reset": /^[1-9]\d*$/,
        },
        fields: hourly(1),
        upstream: 2,
      }),
    ],
  },
  {
    name: 'ratelimitHeaders ["draft-09", "x-ratelimit"]: X-RateLimit-* as well, the reset in Unix seconds',
    guard: { ratelimitHeaders: ["draft-09", "x-ratelimit"] },
    key: { ratelimits: [{ name: "requests", limit: 1, duration: HOUR, autoApply: true }] },
    steps: [
      expectCall(get("/protected"), {
        status: 200,
        headers: {
          "x-ratelimit-limit": "1",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": /^\d{10}$/,
          "ratelimit-limit": null,
        },
        fields: hourly(0),
        upstream: 1,
      }),
    ],
  },
  {
    name: 'start-up: ratelimitHeaders "draft-9" is refused, suggesting "draft-09"',
    guard: { ratelimitHeaders: "draft-9" as never },
    startupError: { option: "ratelimitHeaders", message: /did you mean "draft-09"/ },
    steps: [],
  },
  {
    name: "start-up: ratelimitHeaders without draft-09 is refused (violated-policies names its policies)",
    guard: { ratelimitHeaders: ["draft-06"] as never },
    startupError: { option: "ratelimitHeaders", message: /"draft-09"/ },
    steps: [],
  },
  {
    name: "start-up: a realm a quoted-string cannot carry unescaped is refused, naming realm",
    guard: { realm: 'say "hi"' },
    startupError: { option: "realm", message: /printable ASCII without/ },
    steps: [],
  },
];

/** The whole table, grouped by concern. */
export const SCENARIOS: readonly Scenario[] = [
  ...presenting,
  ...verifyCodes,
  ...permissions,
  ...caching,
  ...failures,
  ...preflight,
  ...hooks,
  ...startup,
  ...hardening,
  ...crossSite,
  ...standards,
];
