// The contract: what Unkey answers, transcribed from unkeyed/unkey (Go tests,
// handlers and OpenAPI files), one row per behaviour, each citing its source.
// contract.test.ts runs every row over raw HTTP and through the official SDK.
import type { Emulator, Fault, SeedData } from "../src/index";
import type { fakeClock, Json } from "./helpers";

/** The fixed workspace every row starts from (a fresh emulator per row). */
export const API_ID = "api_contract";
export const ROOTS = {
  otherApi: "root_other_api",
  wildcardVerify: "root_wildcard_verify",
  thisApiVerify: "root_this_api_verify",
  limitOnly: "root_limit_only",
  rolesOnly: "root_roles_only",
  limitThisNamespaceById: "root_limit_ns_by_id",
  limitThisNamespaceByName: "root_limit_ns_by_name",
} as const;
/** A seeded rate-limit namespace, so that root keys can name its id. */
export const NAMESPACE = { id: "rlns_contract", name: "contract.login" } as const;
export const SEED_ROOT_KEYS = [
  { key: ROOTS.otherApi, permissions: ["api.api_other.verify_key"] },
  { key: ROOTS.wildcardVerify, permissions: ["api.*.verify_key"] },
  { key: ROOTS.thisApiVerify, permissions: [`api.${API_ID}.verify_key`] },
  { key: ROOTS.limitOnly, permissions: ["ratelimit.*.limit"] },
  { key: ROOTS.limitThisNamespaceById, permissions: [`ratelimit.${NAMESPACE.id}.limit`] },
  { key: ROOTS.limitThisNamespaceByName, permissions: [`ratelimit.${NAMESPACE.name}.limit`] },
  {
    key: ROOTS.rolesOnly,
    permissions: ["rbac.*.add_permission_to_role", "rbac.*.remove_permission_from_role"],
  },
];

/** What a row's setup hands to its request: the created key and friends. */
export type Vars = Record<string, string>;

/** The row's clock (the emulator's `now`), which a setup may move. */
export type Clock = ReturnType<typeof fakeClock>;

export interface Row {
  name: string;
  /** The unkeyed/unkey file the expectation is transcribed from. */
  source: string;
  /** Creates what the row needs with the full root key; returns variables. */
  setup?: (emulator: Emulator, clock: Clock) => Promise<Vars>;
  /** Added to the shared seed (root keys and identities appended). */
  seed?: SeedData;
  /** Accept header sent over raw HTTP (default: fetch's `*\/*`). */
  accept?: string;
  /** A fault set after the setup, before the checked call. */
  fault?: Fault;
  /** Root key to call with (default: the full one). `null`/`raw:` only over HTTP. */
  root?: string | null;
  /** Raw Authorization header (HTTP only). */
  rawAuthorization?: string;
  op: string;
  body: (v: Vars) => Json;
  /** Identical calls made before the checked one. */
  repeat?: number;
  /** Ms the clock moves forward after the setup and the repeats, before the checked call. */
  advance?: number;
  /** Skip the SDK run (the SDK cannot send this request); say why. */
  httpOnly?: string;
  /** The SDK's error class when not the status's usual one (see contract.test.ts). */
  sdkError?: string;
  expect: {
    status: number;
    /** toMatchObject on `data` (200). */
    data?: Json | ((v: Vars) => Json);
    /** toEqual on `data` (200). */
    exact?: Json | ((v: Vars) => Json);
    /** Fields that must be absent from `data`. */
    absent?: string[];
    /** Error `type` (docs URL). */
    type?: string;
    detail?: string | RegExp;
    /** toEqual on the error's `errors` (a 400 always carries the array). */
    errors?: Json[];
    /** The answer carries no `data` (Unkey's `{ meta }` alone). */
    noData?: true;
    /** toEqual on `pagination`. */
    pagination?: Json | ((v: Vars) => Json);
    /** Content type of the answer (raw HTTP: the SDK always sends Accept: application/json). */
    contentType?: string;
    /** Headers of an error answer; null: absent. */
    headers?: Record<string, string | RegExp | null>;
  };
}

const ERR = "https://unkey.com/docs/errors";
const SYNTAX = `${ERR}/user/bad_request/permissions_query_syntax_error`;
const INVALID = `${ERR}/unkey/application/invalid_input`;
const VERIFY = "svc/api/routes/v2_keys_verify_key";
const VERIFY_SPEC = "svc/api/openapi/spec/paths/v2/keys/verifyKey";

async function key(e: Emulator, extra: Json = {}): Promise<Vars> {
  const created = await e.call<{ key: string; keyId: string }>("keys.createKey", {
    apiId: API_ID,
    ...extra,
  });
  return { key: created.key, keyId: created.keyId };
}

async function identityKey(e: Emulator, identity: Json, extra: Json = {}): Promise<Vars> {
  const { identityId } = await e.call<{ identityId: string }>(
    "identities.createIdentity",
    identity,
  );
  return { ...(await key(e, { externalId: identity.externalId, ...extra })), identityId };
}

const rl = (name: string, limit: number, autoApply: boolean, duration = 60_000) => ({
  name,
  limit,
  duration,
  autoApply,
});

const verify =
  (extra: Json = {}) =>
  (v: Vars) => ({ key: v.key, ...extra });

export const verifyRows: Row[] = [
  {
    name: "unknown key: NOT_FOUND and nothing else",
    source: `${VERIFY}/404_test.go`,
    op: "keys.verifyKey",
    body: () => ({ key: "test_unknown_key_123" }),
    expect: { status: 200, exact: { valid: false, code: "NOT_FOUND" } },
  },
  {
    name: "root key allowed to verify another API only: 200 NOT_FOUND, no key data",
    source: `${VERIFY}/403_test.go`,
    setup: (e) => key(e, { name: "secret", meta: { a: 1 }, permissions: ["p.read"] }),
    root: ROOTS.otherApi,
    op: "keys.verifyKey",
    body: verify(),
    expect: { status: 200, exact: { valid: false, code: "NOT_FOUND" } },
  },
  {
    name: "root key with api.*.verify_key: VALID",
    source: `${VERIFY}/403_test.go`,
    setup: (e) => key(e),
    root: ROOTS.wildcardVerify,
    op: "keys.verifyKey",
    body: verify(),
    expect: { status: 200, data: (v: Vars) => ({ valid: true, code: "VALID", keyId: v.keyId }) },
  },
  {
    name: "root key with api.<this api>.verify_key: VALID",
    source: `${VERIFY}/403_test.go`,
    setup: (e) => key(e),
    root: ROOTS.thisApiVerify,
    op: "keys.verifyKey",
    body: verify(),
    expect: { status: 200, data: { valid: true, code: "VALID" } },
  },
  {
    name: "unknown key with a malformed query: NOT_FOUND (lookup before parsing)",
    source: `${VERIFY}/handler.go`,
    op: "keys.verifyKey",
    body: () => ({ key: "test_unknown_key_123", permissions: "a AND" }),
    expect: { status: 200, exact: { valid: false, code: "NOT_FOUND" } },
  },
  {
    name: "foreign root key with a malformed query: NOT_FOUND (rights before parsing)",
    source: `${VERIFY}/handler.go`,
    setup: (e) => key(e),
    root: ROOTS.otherApi,
    op: "keys.verifyKey",
    body: verify({ permissions: "a AND" }),
    expect: { status: 200, exact: { valid: false, code: "NOT_FOUND" } },
  },
  {
    name: "disabled key with a malformed query: 400 (parsing precedes the key's checks)",
    source: `${VERIFY}/handler.go`,
    setup: (e) => key(e, { enabled: false }),
    op: "keys.verifyKey",
    body: verify({ permissions: "a AND" }),
    expect: { status: 400, type: SYNTAX },
  },
  ...(
    [
      [
        "missing operand",
        "permission_1 AND",
        "Unexpected end of query. Expected a permission identifier or opening parenthesis.",
      ],
      [
        "unmatched parenthesis",
        "(permission_1 AND permission_2",
        "Missing closing parenthesis ')' at position 30. Every opening parenthesis must have a matching closing parenthesis.",
      ],
      [
        "empty parentheses",
        "permission_1 AND ()",
        "Empty parentheses found at position 18. Parentheses must contain at least one permission or expression.",
      ],
      [
        "operator at start",
        "AND permission_1",
        "Unexpected token 'AND' at position 0. Expected a permission identifier or opening parenthesis.",
      ],
    ] as const
  ).map(
    ([name, permissions, detail]): Row => ({
      name: `syntax error, ${name}: 400 with Unkey's detail and type`,
      source: `${VERIFY}/400_test.go`,
      setup: (e) => key(e),
      op: "keys.verifyKey",
      body: verify({ permissions }),
      expect: { status: 400, type: SYNTAX, detail },
    }),
  ),
  {
    name: "invalid character after an expression: 'unexpected token' carrying the lexer's text",
    source: "pkg/rbac/parser.go",
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ permissions: "a @ b" }),
    expect: {
      status: 400,
      type: SYNTAX,
      detail:
        "Unexpected token 'invalid character '@' at position 2 in query' at position 2. The query appears to have extra content after a valid expression.",
    },
  },
  {
    name: "invalid character where a permission is expected: 400 with an empty detail",
    source: "pkg/rbac/parser.go",
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ permissions: "a AND @" }),
    expect: { status: 400, type: SYNTAX, detail: "" },
  },
  {
    name: "query of 1001 characters: 400 (maxLength 1000)",
    source: `${VERIFY_SPEC}/V2KeysVerifyKeyRequestBody.yaml`,
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ permissions: "p".repeat(1001) }),
    httpOnly: "the SDK validates maxLength before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "tags of any characters pass",
    source: `${VERIFY}/400_test.go`,
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({
      tags: ["hello world!", "café", "日本語タグ", "  both  ", "path/to/thing?query=1"],
    }),
    expect: { status: 200, data: { valid: true } },
  },
  {
    name: "20 tags pass",
    source: `${VERIFY}/400_test.go`,
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ tags: Array.from({ length: 20 }, (_, i) => `tag-${i}`) }),
    expect: { status: 200, data: { valid: true } },
  },
  ...(
    [
      ["21 tags", Array.from({ length: 21 }, (_, i) => `tag-${i}`)],
      ["an empty tag", ["valid", ""]],
      ["a tag of 513 characters", ["t".repeat(513)]],
    ] as const
  ).map(
    ([name, tags]): Row => ({
      name: `${name}: 400`,
      source: `${VERIFY}/400_test.go`,
      setup: (e) => key(e),
      op: "keys.verifyKey",
      body: verify({ tags }),
      httpOnly: "the SDK validates tag bounds before sending",
      expect: { status: 400, type: INVALID },
    }),
  ),
  {
    name: "negative credits cost: 400",
    source: `${VERIFY}/400_test.go`,
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ credits: { cost: -1 } }),
    httpOnly: "the SDK validates minimum before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "credits cost above 1e12: 400",
    source: `${VERIFY_SPEC}/KeysVerifyKeyCredits.yaml`,
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ credits: { cost: 1_000_000_000_001 } }),
    httpOnly: "the SDK validates maximum before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "rate-limit name of 2 characters: 400 (minLength 3)",
    source: `${VERIFY_SPEC}/KeysVerifyKeyRatelimit.yaml`,
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "ab", limit: 1, duration: 1000 }] }),
    httpOnly: "the SDK validates minLength before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "missing Authorization: 400 invalid_input with errors[]",
    source: `${VERIFY}/401_test.go`,
    setup: (e) => key(e),
    root: null,
    op: "keys.verifyKey",
    body: verify(),
    httpOnly: "the SDK always sends the header",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "Authorization without Bearer: 400 malformed",
    source: `${VERIFY}/401_test.go`,
    setup: (e) => key(e),
    rawAuthorization: "InvalidFormat",
    op: "keys.verifyKey",
    body: verify(),
    httpOnly: "the SDK always sends Bearer",
    expect: { status: 400, type: `${ERR}/unkey/authentication/malformed` },
  },
  {
    name: "unknown root key: 401 key_not_found",
    source: `${VERIFY}/401_test.go`,
    setup: (e) => key(e),
    root: "invalid_token_here",
    op: "keys.verifyKey",
    body: verify(),
    expect: { status: 401, type: `${ERR}/unkey/authentication/key_not_found` },
  },
  {
    name: "unknown named limit on a key with an identity: 412 naming key and identity",
    source: `${VERIFY}/412_test.go`,
    setup: (e) =>
      identityKey(e, {
        externalId: "test-missing-ratelimit",
        ratelimits: [rl("existing-ratelimit", 100, false)],
      }),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "does-not-exist" }] }),
    expect: {
      status: 412,
      type: `${ERR}/unkey/application/precondition_failed`,
      detail:
        /^ratelimit 'does-not-exist' was requested but does not exist for key 'key_\w+' nor identity: 'id_\w+' external ID: 'test-missing-ratelimit'$/,
    },
  },
  {
    name: "unknown named limit without identity: 412, with Go's note of the two unused arguments",
    // fmt.Sprintf with 2 verbs and 4 arguments: Go notes the 2 unused ones.
    source: "internal/services/keys/validation.go:156-163",
    setup: (e) => key(e, { ratelimits: [rl("existing-ratelimit", 100, false)] }),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "does-not-exist" }] }),
    expect: {
      status: 412,
      detail:
        /^ratelimit 'does-not-exist' was requested but does not exist for key 'key_\w+' and there is no identity connected\.%!\(EXTRA string=, string=\)$/,
    },
  },
  {
    name: "cost without limit and duration for an unknown name: 412",
    source: `${VERIFY}/412_test.go`,
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "missing_config", cost: 4 }] }),
    expect: { status: 412 },
  },
  {
    name: "limit without duration is ignored: the stored limit applies",
    source: "internal/services/keys/validation.go",
    setup: (e) => key(e, { ratelimits: [rl("requests", 1, false)] }),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "requests", limit: 100 }] }),
    repeat: 1,
    expect: {
      status: 200,
      data: { code: "RATE_LIMITED", ratelimits: [{ name: "requests", limit: 1, exceeded: true }] },
    },
  },
  {
    name: "limit and duration: an ad-hoc limit, id empty, autoApply false",
    source: "internal/services/keys/validation.go",
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "adhoc", limit: 5, duration: 60_000 }] }),
    expect: {
      status: 200,
      data: {
        code: "VALID",
        ratelimits: [{ id: "", name: "adhoc", limit: 5, remaining: 4, autoApply: false }],
      },
    },
  },
  {
    name: "ad-hoc limit named like the identity's: counted on the key, replacing it",
    source: "internal/services/keys/validation.go",
    setup: (e) =>
      identityKey(e, { externalId: "shared-user", ratelimits: [rl("shared", 1, true)] }),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "shared", limit: 5, duration: 60_000 }] }),
    repeat: 1,
    expect: {
      status: 200,
      data: { code: "VALID", ratelimits: [{ id: "", name: "shared", limit: 5, remaining: 3 }] },
    },
  },
  {
    name: "key limit with autoApply false shadows the identity's auto-applied one",
    source: "internal/services/keys/get.go",
    setup: (e) =>
      identityKey(
        e,
        { externalId: "shadowed", ratelimits: [rl("requests", 1, true)] },
        { ratelimits: [rl("requests", 1, false)] },
      ),
    op: "keys.verifyKey",
    body: verify(),
    repeat: 2,
    expect: {
      status: 200,
      data: { code: "VALID", identity: { externalId: "shadowed" } },
      absent: ["ratelimits"],
    },
  },
  {
    name: "the identity's auto-applied limit is reported autoApply true and listed on the identity",
    source: `${VERIFY}/handler.go`,
    setup: (e) => identityKey(e, { externalId: "auto-user", ratelimits: [rl("tokens", 3, true)] }),
    op: "keys.verifyKey",
    body: verify(),
    expect: {
      status: 200,
      data: {
        code: "VALID",
        ratelimits: [{ name: "tokens", autoApply: true, remaining: 2 }],
        identity: { externalId: "auto-user", ratelimits: [{ name: "tokens", autoApply: true }] },
      },
    },
  },
  {
    name: "exceeded limit reports remaining 0 and an absolute reset",
    source: "internal/services/ratelimit/ratelimit.go",
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "burst", limit: 2, duration: 60_000, cost: 3 }] }),
    expect: {
      status: 200,
      data: {
        code: "RATE_LIMITED",
        ratelimits: [{ exceeded: true, remaining: 0, reset: Date.UTC(2025, 0, 15, 12, 1, 0) }],
      },
    },
  },
  {
    name: "several limits are all or nothing; a passing one reports its cost back",
    source: "internal/services/ratelimit/ratelimit.go",
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({
      ratelimits: [
        { name: "wide", limit: 5, duration: 60_000 },
        { name: "narrow", limit: 1, duration: 60_000, cost: 2 },
      ],
    }),
    expect: {
      status: 200,
      data: {
        code: "RATE_LIMITED",
        ratelimits: [
          { name: "wide", exceeded: false, remaining: 5 },
          { name: "narrow", exceeded: true, remaining: 0 },
        ],
      },
    },
  },
  {
    name: "ad-hoc limit 0 (allowed by the schema) fails the ratelimiter's assertion: not checked",
    source: "internal/services/keys/validation.go",
    setup: (e) => key(e),
    op: "keys.verifyKey",
    body: verify({ ratelimits: [{ name: "zero", limit: 0, duration: 60_000 }] }),
    expect: { status: 200, data: { code: "VALID" }, absent: ["ratelimits"] },
  },
  {
    name: "empty permissions, roles and meta are omitted",
    source: "svc/api/openapi/gen.go",
    setup: (e) => key(e, { meta: {} }),
    op: "keys.verifyKey",
    body: verify(),
    expect: {
      status: 200,
      data: (v: Vars) => ({ valid: true, code: "VALID", keyId: v.keyId, enabled: true }),
      absent: [
        "permissions",
        "roles",
        "meta",
        "credits",
        "identity",
        "ratelimits",
        "name",
        "expires",
      ],
    },
  },
  {
    name: "USAGE_EXCEEDED reports the credits left, unchanged",
    source: "svc/api/routes/v2_keys_verify_key/200_test.go:164-184",
    setup: (e) => key(e, { credits: { remaining: 5 } }),
    op: "keys.verifyKey",
    body: verify({ credits: { cost: 15 } }),
    expect: { status: 200, data: { valid: false, code: "USAGE_EXCEEDED", credits: 5 } },
  },
  {
    name: "USAGE_EXCEEDED at 0 credits left reports 0",
    source: "svc/api/routes/v2_keys_verify_key/200_test.go:123-140",
    setup: (e) => key(e, { credits: { remaining: 0 } }),
    op: "keys.verifyKey",
    body: verify(),
    expect: { status: 200, data: { valid: false, code: "USAGE_EXCEEDED", credits: 0 } },
  },
  {
    name: "cost 0 passes with 0 credits left",
    source: "internal/services/usagelimiter/limit.go",
    setup: (e) => key(e, { credits: { remaining: 0 } }),
    op: "keys.verifyKey",
    body: verify({ credits: { cost: 0 } }),
    expect: { status: 200, data: { valid: true, credits: 0 } },
  },
  {
    name: "a key is still valid at the millisecond it expires",
    source: "internal/services/keys/get.go",
    setup: (e) => key(e, { expires: Date.UTC(2025, 0, 15, 12, 0, 0) }),
    op: "keys.verifyKey",
    body: verify(),
    expect: { status: 200, data: { valid: true, expires: Date.UTC(2025, 0, 15, 12, 0, 0) } },
  },
];

const KEYS_SPEC = "svc/api/openapi/spec/paths/v2/keys";

export const managementRows: Row[] = [
  {
    name: "createKey: a monthly refill needs refillDay",
    source: "svc/api/routes/v2_keys_create_key/handler.go",
    op: "keys.createKey",
    body: () => ({
      apiId: API_ID,
      credits: { remaining: 5, refill: { interval: "monthly", amount: 5 } },
    }),
    expect: {
      status: 400,
      type: INVALID,
      detail: "`refillDay` must be provided when the refill interval is `monthly`.",
    },
  },
  {
    name: "createKey: a refill with remaining null is refused",
    source: "svc/api/routes/v2_keys_create_key/handler.go",
    op: "keys.createKey",
    body: () => ({
      apiId: API_ID,
      credits: { remaining: null, refill: { interval: "daily", amount: 5 } },
    }),
    expect: {
      status: 400,
      detail: "`credits.remaining` must be provided when `credits.refill` is set.",
    },
  },
  {
    name: "updateKey: a daily refill with refillDay is refused",
    source: "svc/api/routes/v2_keys_update_key/handler.go",
    setup: (e) => key(e, { credits: { remaining: 5 } }),
    op: "keys.updateKey",
    body: (v) => ({
      keyId: v.keyId,
      credits: { refill: { interval: "daily", amount: 5, refillDay: 3 } },
    }),
    expect: {
      status: 400,
      detail: "`refillDay` must not be provided when the refill interval is `daily`.",
    },
  },
  {
    name: "createKey: a permission slug with '/' is refused",
    source: `${KEYS_SPEC}/createKey/V2KeysCreateKeyRequestBody.yaml`,
    op: "keys.createKey",
    body: () => ({ apiId: API_ID, permissions: ["docs/read"] }),
    httpOnly: "the SDK validates the pattern before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "createKey: expires after 2100-01-01 is refused",
    source: `${KEYS_SPEC}/createKey/V2KeysCreateKeyRequestBody.yaml`,
    op: "keys.createKey",
    body: () => ({ apiId: API_ID, expires: 4_102_444_800_001 }),
    httpOnly: "the SDK validates maximum before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "createKey: 101 meta properties are refused",
    source: `${KEYS_SPEC}/createKey/V2KeysCreateKeyRequestBody.yaml`,
    op: "keys.createKey",
    body: () => ({
      apiId: API_ID,
      meta: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])),
    }),
    expect: { status: 400, type: INVALID },
  },
  {
    name: "createKey: externalId outside its pattern is refused",
    source: `${KEYS_SPEC}/createKey/V2KeysCreateKeyRequestBody.yaml`,
    op: "keys.createKey",
    body: () => ({ apiId: API_ID, externalId: "user 1" }),
    httpOnly: "the SDK validates the pattern before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "setRolePermissions takes roleId; a role name is not an id: 404",
    source: "svc/api/routes/v2_permissions_set_role_permissions/handler.go",
    setup: async (e) => {
      await e.call("permissions.createRole", { name: "reader" });
      return {};
    },
    op: "permissions.setRolePermissions",
    body: () => ({ roleId: "reader", permissions: ["docs.read"] }),
    expect: {
      status: 404,
      type: `${ERR}/unkey/data/role_not_found`,
      detail: "The requested role does not exist.",
    },
  },
  {
    name: "setRolePermissions creating a permission needs rbac.*.create_permission: 403",
    source: "svc/api/routes/v2_permissions_set_role_permissions/handler.go",
    setup: async (e) => e.call<Vars>("permissions.createRole", { name: "writer" }),
    root: ROOTS.rolesOnly,
    op: "permissions.setRolePermissions",
    body: (v) => ({ roleId: v.roleId, permissions: ["brand.new"] }),
    // handler.go:109-112 asks for the resource permission or the tuple.
    expect: {
      status: 403,
      type: `${ERR}/unkey/authorization/insufficient_permissions`,
      detail:
        "Missing one of these permissions: unkey:v1:ws_contract:rbac/permissions/*#create_permission or rbac.*.create_permission",
    },
  },
  {
    name: "ratelimit.limit on a new namespace needs create_namespace: 403",
    source: "svc/api/routes/v2_ratelimit_limit/handler.go",
    root: ROOTS.limitOnly,
    op: "ratelimit.limit",
    body: () => ({ namespace: "fresh", identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 403, type: `${ERR}/unkey/authorization/insufficient_permissions` },
  },
  {
    name: "ratelimit.limit auto-creates a namespace and counts the first call: remaining 99",
    source: "svc/api/routes/v2_ratelimit_limit/200_test.go",
    op: "ratelimit.limit",
    body: () => ({ namespace: "fresh.ns", identifier: "u1", limit: 100, duration: 60_000 }),
    // Unkey's reset is the end of the current window: its start plus the duration.
    expect: {
      status: 200,
      exact: { success: true, limit: 100, remaining: 99, reset: Date.UTC(2025, 0, 15, 12, 1, 0) },
    },
  },
  {
    name: "ratelimit.limit with cost 5 leaves 95",
    source: "svc/api/routes/v2_ratelimit_limit/200_test.go",
    op: "ratelimit.limit",
    body: () => ({ namespace: "ns", identifier: "u1", limit: 100, duration: 60_000, cost: 5 }),
    expect: { status: 200, data: { success: true, remaining: 95 }, absent: ["overrideId"] },
  },
  {
    name: "ratelimit.limit over the limit: success false, remaining 0, same reset",
    source: "svc/api/routes/v2_ratelimit_limit/200_test.go",
    op: "ratelimit.limit",
    repeat: 1,
    body: () => ({ namespace: "ns", identifier: "u1", limit: 1, duration: 60_000 }),
    expect: {
      status: 200,
      exact: { success: false, limit: 1, remaining: 0, reset: Date.UTC(2025, 0, 15, 12, 1, 0) },
    },
  },
  {
    name: "ratelimit.limit: a cost over what is left is refused without consuming",
    source: "internal/services/ratelimit/ratelimit.go",
    op: "ratelimit.limit",
    repeat: 1,
    body: () => ({ namespace: "ns", identifier: "u1", limit: 10, duration: 60_000, cost: 6 }),
    expect: { status: 200, data: { success: false, remaining: 0 } },
  },
  {
    name: "ratelimit.limit: cost 0 checks without consuming",
    source: "svc/api/openapi/spec/paths/v2/ratelimit/limit/V2RatelimitLimitRequestBody.yaml",
    op: "ratelimit.limit",
    repeat: 3,
    body: () => ({ namespace: "ns", identifier: "u1", limit: 1, duration: 60_000, cost: 0 }),
    expect: { status: 200, data: { success: true, remaining: 1 } },
  },
  {
    name: "ratelimit.limit: a root key scoped to the namespace id may limit it by name",
    source: "svc/api/routes/v2_ratelimit_limit/handler.go",
    root: ROOTS.limitThisNamespaceById,
    op: "ratelimit.limit",
    body: () => ({ namespace: NAMESPACE.name, identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 200, data: { success: true } },
  },
  {
    name: "ratelimit.limit: a root key scoped to the namespace id may limit it by id",
    source: "svc/api/routes/v2_ratelimit_limit/handler.go",
    root: ROOTS.limitThisNamespaceById,
    op: "ratelimit.limit",
    body: () => ({ namespace: NAMESPACE.id, identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 200, data: { success: true } },
  },
  {
    name: "ratelimit.limit: a permission naming the namespace by name is not one: 403",
    source: "svc/api/routes/v2_ratelimit_limit/handler.go",
    root: ROOTS.limitThisNamespaceByName,
    op: "ratelimit.limit",
    body: () => ({ namespace: NAMESPACE.name, identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 403, type: `${ERR}/unkey/authorization/insufficient_permissions` },
  },
  {
    name: "ratelimit.limit: an identifier over 512 characters is refused",
    source: "svc/api/openapi/spec/paths/v2/ratelimit/limit/V2RatelimitLimitRequestBody.yaml",
    op: "ratelimit.limit",
    body: () => ({ namespace: "ns", identifier: "i".repeat(513), limit: 1, duration: 1000 }),
    httpOnly: "the SDK validates maxLength before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "ratelimit.limit: a window under one second is refused",
    source: "svc/api/openapi/spec/paths/v2/ratelimit/limit/V2RatelimitLimitRequestBody.yaml",
    op: "ratelimit.limit",
    body: () => ({ namespace: "ns", identifier: "u1", limit: 1, duration: 999 }),
    httpOnly: "the SDK validates minimum before sending",
    expect: { status: 400, type: INVALID },
  },
  {
    name: "ratelimit.limit: duration over 30 days is refused",
    source: "svc/api/openapi/spec/paths/v2/ratelimit/limit/V2RatelimitLimitRequestBody.yaml",
    op: "ratelimit.limit",
    body: () => ({ namespace: "ns", identifier: "u1", limit: 1, duration: 2_592_000_001 }),
    httpOnly: "the SDK validates maximum before sending",
    expect: { status: 400, type: INVALID },
  },
];
