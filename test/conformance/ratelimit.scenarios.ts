import type { Fault } from "@keyguard/emulator";
import type { FieldsExpectation } from "./standards";

/** Placeholder replaced by the scenario's API key. */
export const RL_KEY = "<KEY>";

/** What one response must show; `upstream` counts `ratelimit.limit` calls since the app started. */
export interface RlExpectation {
  readonly status: number;
  /** The body's `code` (denials and errors). */
  readonly code?: string;
  /** Header values: a string, a pattern, or `null` for "absent". */
  readonly headers?: Readonly<Record<string, string | RegExp | null>>;
  /** `RateLimit-Policy` and `RateLimit`, parsed, the policy named `NAMESPACE`; `null`: neither. */
  readonly fields?: FieldsExpectation | null;
  /** The 429 body's `violated-policies`. */
  readonly violated?: readonly string[];
  readonly upstream?: number;
}

export interface RlRequest {
  readonly path: string;
  readonly headers?: readonly (readonly [string, string])[];
}

export type RlStep =
  | { readonly send: RlRequest; readonly expect: RlExpectation }
  | { readonly fault: Fault | null }
  | { readonly advanceMs: number };

export interface RlScenario {
  readonly name: string;
  readonly failureMode?: "closed" | "open";
  readonly steps: readonly RlStep[];
}

/** Placeholder for the scenario's namespace: the policy the fields name. */
export const NAMESPACE = "<NAMESPACE>";

/** The route's one policy: its limit per 60 s window, `r` left, `t` at least `least` seconds. */
const fieldsOf = (limit: number, remaining: number, least: number): FieldsExpectation => ({
  policy: [[NAMESPACE, { q: limit, w: 60 }]],
  ratelimit: [[NAMESPACE, { r: remaining, t: { atLeast: least, atMost: 60 } }]],
});

const allowed = (remaining: number, limit: number, upstream?: number): RlExpectation => ({
  status: 200,
  // The current draft's fields only, by default: no draft-06 names.
  headers: { "retry-after": null, "ratelimit-limit": null },
  fields: fieldsOf(limit, remaining, 0),
  ...(upstream === undefined ? {} : { upstream }),
});

const limited = (limit: number, upstream?: number): RlExpectation => ({
  status: 429,
  code: "RATE_LIMITED",
  headers: { "retry-after": /^[1-9]\d*$/ },
  fields: fieldsOf(limit, 0, 1),
  violated: [NAMESPACE],
  ...(upstream === undefined ? {} : { upstream }),
});

const badIdentifier = { status: 500, code: "INVALID_RATELIMIT_IDENTIFIER", upstream: 0 };
const user = (name: string) => [["x-user", name]] as const;
const keyAndTenant = (tenant: string) =>
  [
    ["authorization", `Bearer ${RL_KEY}`],
    ["x-tenant", tenant],
  ] as const;

// An outage as a load balancer shows it: a 503 page, not Unkey's error envelope (Unkey's own
// 5xx is Unkey answering, which fail-open does not cover).
const DOWN: Fault = {
  status: 503,
  contentType: "text/html",
  body: "<html>503 Service Unavailable</html>",
  operations: ["ratelimit.limit"],
};

/** The rate-limit contract, the same on every adapter. */
export const RL_SCENARIOS: readonly RlScenario[] = [
  {
    name: "under the limit: allowed with RateLimit-* headers; over it: 429 with Retry-After, refused here once Unkey's own answers prove it (no upstream call)",
    steps: [
      { send: { path: "/login" }, expect: allowed(1, 2, 1) },
      { send: { path: "/login" }, expect: allowed(0, 2, 2) },
      { send: { path: "/login" }, expect: limited(2, 2) },
    ],
  },
  {
    // Unkey's window slides (internal/services/ratelimit/ratelimit.go): 1 s into the next
    // window, the previous 2 still count as floor(2 × 59/60) = 1, so 1 more is admitted.
    name: "a full identifier is refused locally for cache.ttlMs (0 upstream calls), then asked again as its window slides",
    steps: [
      { send: { path: "/login" }, expect: allowed(1, 2) },
      { send: { path: "/login" }, expect: allowed(0, 2) },
      { send: { path: "/login" }, expect: limited(2, 2) },
      { send: { path: "/login" }, expect: limited(2, 2) },
      // Past cache.ttlMs (5 s) Unkey's answer is too old to refuse on (an override may have
      // raised the limit since): Unkey is asked, refuses, and is trusted 5 s more.
      { advanceMs: 5_001 },
      { send: { path: "/login" }, expect: limited(2, 3) },
      { send: { path: "/login" }, expect: limited(2, 3) },
      { advanceMs: 55_000 },
      { send: { path: "/login" }, expect: allowed(0, 2, 4) },
      { send: { path: "/login" }, expect: limited(2, 4) },
    ],
  },
  {
    name: "cost: a route costing 2 of 3 admits once, then refuses",
    steps: [
      { send: { path: "/cost", headers: user("carol") }, expect: allowed(1, 3, 1) },
      { send: { path: "/cost", headers: user("carol") }, expect: limited(3, 1) },
    ],
  },
  {
    name: "identifiers are counted apart: one user's limit does not touch another's",
    steps: [
      { send: { path: "/by-user", headers: user("alice") }, expect: allowed(1, 2) },
      { send: { path: "/by-user", headers: user("alice") }, expect: allowed(0, 2) },
      { send: { path: "/by-user", headers: user("alice") }, expect: limited(2) },
      { send: { path: "/by-user", headers: user("bob") }, expect: allowed(1, 2, 3) },
    ],
  },
  {
    name: "compound identifier (key id + tenant header) behind the key guard",
    steps: [
      { send: { path: "/tenant", headers: keyAndTenant("t1") }, expect: allowed(1, 2) },
      { send: { path: "/tenant", headers: keyAndTenant("t1") }, expect: allowed(0, 2) },
      { send: { path: "/tenant", headers: keyAndTenant("t1") }, expect: limited(2) },
      { send: { path: "/tenant", headers: keyAndTenant("t2") }, expect: allowed(1, 2, 3) },
      // No key: the key guard refuses first, and the limit is never asked.
      {
        send: { path: "/tenant", headers: [["x-tenant", "t1"]] },
        expect: { status: 401, code: "MISSING_KEY", upstream: 3 },
      },
    ],
  },
  {
    name: "Unkey down: 503 RATELIMIT_UNAVAILABLE with Retry-After, never a pass",
    steps: [
      { fault: DOWN },
      {
        send: { path: "/login" },
        expect: {
          status: 503,
          code: "RATELIMIT_UNAVAILABLE",
          headers: { "retry-after": /^\d+$/, "x-keyguard-fail-open": null },
        },
      },
    ],
  },
  {
    name: "Unkey down under failureMode open: a pass flagged x-keyguard-fail-open",
    failureMode: "open",
    steps: [
      // Unkey answered no call of this process for longer than timeoutMs (earlier scenarios
      // moved the clock by up to a minute): a failure now is an outage, not one call's own.
      { advanceMs: 120_000 },
      { fault: DOWN },
      {
        send: { path: "/login" },
        expect: {
          status: 200,
          headers: { "x-keyguard-fail-open": "true" },
          fields: null,
        },
      },
      { fault: null },
      { send: { path: "/login" }, expect: allowed(1, 2) },
    ],
  },
  {
    name: "an identifier function returning a non-string is an error, never a pass",
    steps: [{ send: { path: "/buggy" }, expect: badIdentifier }],
  },
  {
    name: "an empty identifier is an error, never a pass",
    steps: [{ send: { path: "/empty" }, expect: badIdentifier }],
  },
  {
    name: "an identifier over Unkey's 512 characters is an error, never a pass",
    steps: [{ send: { path: "/too-long" }, expect: badIdentifier }],
  },
  {
    name: "a missing identifier header is an error, never a pass",
    steps: [{ send: { path: "/by-user" }, expect: badIdentifier }],
  },
];
