// The contract of Unkey's rate limiting: the sliding window, overrides and
// multiLimit, transcribed from unkeyed/unkey (file and line in each row).
// contract.test.ts runs every row over raw HTTP and through the official SDK.
import { expect } from "vitest";
import type { Emulator } from "../src/index";
import { API_ID, NAMESPACE, ROOTS, type Row, type Vars } from "./contract-table";
import { urn } from "./contract-workspace";
import type { Json } from "./helpers";

/** Root keys the rows below use, seeded beside contract-table.ts's. */
export const RATELIMIT_ROOTS = {
  overridesThisNamespace: "root_overrides_ns",
  readOverrideOnly: "root_read_override",
  createAndLimit: "root_create_and_limit",
  overrideUrnsEverywhere: "root_override_urns_all",
  readOverrideUrnThisNamespace: "root_read_override_urn_ns",
  readOverrideUrnOtherNamespace: "root_read_override_urn_other",
} as const;
export const RATELIMIT_ROOT_KEYS = [
  {
    key: RATELIMIT_ROOTS.overridesThisNamespace,
    permissions: [
      `ratelimit.${NAMESPACE.id}.set_override`,
      `ratelimit.${NAMESPACE.id}.read_override`,
      `ratelimit.${NAMESPACE.id}.delete_override`,
    ],
  },
  { key: RATELIMIT_ROOTS.readOverrideOnly, permissions: ["ratelimit.*.read_override"] },
  {
    key: RATELIMIT_ROOTS.createAndLimit,
    permissions: ["ratelimit.*.create_namespace", `ratelimit.${NAMESPACE.id}.limit`],
  },
  // Resource permissions (pkg/urn/resources_workspace.go:57, resources_ratelimit.go:52).
  {
    key: RATELIMIT_ROOTS.overrideUrnsEverywhere,
    permissions: ["read_override", "set_override", "delete_override"].map((action) =>
      urn("ratelimits/**", action),
    ),
  },
  {
    key: RATELIMIT_ROOTS.readOverrideUrnThisNamespace,
    permissions: [urn(`ratelimits/namespaces/${NAMESPACE.id}/overrides/*`, "read_override")],
  },
  {
    key: RATELIMIT_ROOTS.readOverrideUrnOtherNamespace,
    permissions: [urn("ratelimits/namespaces/rlns_other/**", "read_override")],
  },
];

const ERR = "https://unkey.com/docs/errors";
const INVALID = `${ERR}/unkey/application/invalid_input`;
const FORBIDDEN = `${ERR}/unkey/authorization/insufficient_permissions`;
const NS_NOT_FOUND = `${ERR}/unkey/data/ratelimit_namespace_not_found`;
const OVERRIDE_NOT_FOUND = `${ERR}/unkey/data/ratelimit_override_not_found`;
const SLIDING = "internal/services/ratelimit/ratelimit.go";
const LIMIT = "svc/api/routes/v2_ratelimit_limit";
const MULTI = "svc/api/routes/v2_ratelimit_multi_limit";
const SET = "svc/api/routes/v2_ratelimit_set_override";
const GET = "svc/api/routes/v2_ratelimit_get_override";
const LIST = "svc/api/routes/v2_ratelimit_list_overrides";
const DELETE = "svc/api/routes/v2_ratelimit_delete_override";

/** contract.test.ts's clock: 2025-01-15 12:00:00 UTC, a multiple of every window used here. */
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

const ns = NAMESPACE.name;
const limitBody = (identifier: string, limit: number, duration: number, cost?: number) => ({
  namespace: ns,
  identifier,
  limit,
  duration,
  ...(cost !== undefined ? { cost } : {}),
});

/** Ten admitted calls of limit 10 per 10 s: window 0 full. */
async function fillTenOfTen(e: Emulator): Promise<Vars> {
  for (let i = 0; i < 10; i++) await e.call("ratelimit.limit", limitBody("u1", 10, 10_000));
  return {};
}

async function override(
  e: Emulator,
  identifier: string,
  limit: number,
  duration = 60_000,
): Promise<string> {
  const { overrideId } = await e.call<{ overrideId: string }>("ratelimit.setOverride", {
    namespace: ns,
    identifier,
    limit,
    duration,
  });
  return overrideId;
}

const deleteIt = (e: Emulator, identifier: string) =>
  e.call("ratelimit.deleteOverride", { namespace: ns, identifier });

const slidingRows: Row[] = [
  {
    name: "sliding window: at the reset the previous window still counts in full",
    source: `${SLIDING}:108-112`,
    setup: fillTenOfTen,
    advance: 10_000,
    op: "ratelimit.limit",
    body: () => limitBody("u1", 10, 10_000),
    expect: { status: 200, exact: { success: false, limit: 10, remaining: 0, reset: T0 + 20_000 } },
  },
  {
    name: "sliding window: 25 % into the next window ⌊10 × 0.75⌋ = 7 still count",
    source: `${SLIDING}:108-112`,
    setup: fillTenOfTen,
    advance: 12_500,
    op: "ratelimit.limit",
    body: () => limitBody("u1", 10, 10_000),
    expect: { status: 200, exact: { success: true, limit: 10, remaining: 2, reset: T0 + 20_000 } },
  },
  {
    name: "sliding window: float64 then truncation, at 90 % 10 × (1 − 0.9) = 0.99…98 counts 0",
    source: `${SLIDING}:80-82`,
    setup: fillTenOfTen,
    advance: 19_000,
    op: "ratelimit.limit",
    body: () => limitBody("u1", 10, 10_000),
    expect: { status: 200, data: { success: true, remaining: 9 } },
  },
  {
    name: "sliding window: two windows later the old one no longer counts",
    source: `${SLIDING}:42-51`,
    setup: fillTenOfTen,
    advance: 20_000,
    op: "ratelimit.limit",
    body: () => limitBody("u1", 10, 10_000),
    expect: { status: 200, exact: { success: true, limit: 10, remaining: 9, reset: T0 + 30_000 } },
  },
  {
    name: "sliding window: a key's auto-applied limit slides too",
    source: "internal/services/keys/validation.go:205-217",
    setup: async (e) => {
      const { key } = await e.call<{ key: string }>("keys.createKey", {
        apiId: API_ID,
        ratelimits: [{ name: "requests", limit: 2, duration: 60_000, autoApply: true }],
      });
      return { key };
    },
    repeat: 2,
    advance: 60_000,
    op: "keys.verifyKey",
    body: (v) => ({ key: v.key }),
    expect: {
      status: 200,
      data: {
        code: "RATE_LIMITED",
        ratelimits: [{ exceeded: true, remaining: 0, reset: T0 + 120_000 }],
      },
    },
  },
];

const overrideRows: Row[] = [
  {
    name: "an override lowers the limit: the answer carries its limit and id",
    source: `${LIMIT}/handler.go:124-144`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 1) }),
    repeat: 1,
    op: "ratelimit.limit",
    body: () => limitBody("u1", 100, 1000),
    expect: {
      status: 200,
      exact: (v: Vars) => ({
        success: false,
        limit: 1,
        remaining: 0,
        reset: T0 + 60_000,
        overrideId: v.overrideId,
      }),
    },
  },
  {
    name: "an override raises the limit and replaces the window",
    source: `${LIMIT}/200_test.go:382-420`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 1000, 120_000) }),
    repeat: 1,
    op: "ratelimit.limit",
    body: () => limitBody("u1", 1, 1000),
    expect: {
      status: 200,
      exact: (v: Vars) => ({
        success: true,
        limit: 1000,
        remaining: 998,
        reset: T0 + 120_000,
        overrideId: v.overrideId,
      }),
    },
  },
  {
    name: "a wildcard override applies to the identifiers it matches",
    source: `${LIMIT}/200_test.go:223-269`,
    setup: async (e) => ({ overrideId: await override(e, "premium_*", 5) }),
    op: "ratelimit.limit",
    body: () => limitBody("premium_42", 100, 1000),
    expect: {
      status: 200,
      data: (v: Vars) => ({ limit: 5, remaining: 4, overrideId: v.overrideId }),
    },
  },
  {
    name: "a wildcard's other characters are literal: 'user.*' does not match 'userX1'",
    source: "pkg/match/wildcard.go:25-39",
    setup: async (e) => ({ overrideId: await override(e, "user.*", 5) }),
    op: "ratelimit.limit",
    body: () => limitBody("userX1", 100, 1000),
    expect: { status: 200, data: { limit: 100, remaining: 99 }, absent: ["overrideId"] },
  },
  {
    name: "a wildcard's '*' does not run across a newline (Go's '.')",
    source: "pkg/match/wildcard.go:29-30",
    setup: async (e) => ({ overrideId: await override(e, "premium_*", 5) }),
    op: "ratelimit.limit",
    body: () => limitBody("premium_a\nb", 100, 1000),
    expect: { status: 200, data: { limit: 100, remaining: 99 }, absent: ["overrideId"] },
  },
  {
    name: "a wildcard with a non-ASCII character never matches it: 'über-*' misses 'über-1'",
    // Each byte of the pattern becomes the code point of its value (`string(ch)` of a byte).
    source: "pkg/match/wildcard.go:26-36",
    setup: async (e) => ({ overrideId: await override(e, "über-*", 5) }),
    op: "ratelimit.limit",
    body: () => limitBody("über-1", 100, 1000),
    expect: { status: 200, data: { limit: 100, remaining: 99 }, absent: ["overrideId"] },
  },
  {
    name: "a wildcard with a non-ASCII character matches its UTF-8 bytes read as Latin-1: 'Ã¼ber-1'",
    source: "pkg/match/wildcard.go:26-40",
    setup: async (e) => ({ overrideId: await override(e, "über-*", 5) }),
    op: "ratelimit.limit",
    body: () => limitBody("\u00c3\u00bcber-1", 100, 1000),
    expect: {
      status: 200,
      data: (v: Vars) => ({ limit: 5, remaining: 4, overrideId: v.overrideId }),
    },
  },
  {
    name: "an exact override with a non-ASCII character matches it (no '*': compared as strings)",
    source: `${LIMIT}/handler.go:344-360`,
    setup: async (e) => ({ overrideId: await override(e, "über-1", 5) }),
    op: "ratelimit.limit",
    body: () => limitBody("über-1", 100, 1000),
    expect: {
      status: 200,
      data: (v: Vars) => ({ limit: 5, remaining: 4, overrideId: v.overrideId }),
    },
  },
  {
    name: "an exact override wins over a matching wildcard",
    source: `${LIMIT}/handler.go:344-360`,
    setup: async (e) => {
      await override(e, "premium_*", 5);
      return { overrideId: await override(e, "premium_42", 7) };
    },
    op: "ratelimit.limit",
    body: () => limitBody("premium_42", 100, 1000),
    expect: {
      status: 200,
      data: (v: Vars) => ({ limit: 7, remaining: 6, overrideId: v.overrideId }),
    },
  },
  {
    name: "deleting the override restores the requested limit and window",
    source: `${DELETE}/handler.go:93-113`,
    setup: async (e) => {
      await override(e, "u1", 1);
      await deleteIt(e, "u1");
      return {};
    },
    op: "ratelimit.limit",
    body: () => limitBody("u1", 100, 1000),
    expect: { status: 200, exact: { success: true, limit: 100, remaining: 99, reset: T0 + 1000 } },
  },
  {
    name: "an override with limit 0 is accepted; the ratelimiter's assertion then fails: 500",
    source: `${SLIDING}:122-133`,
    setup: async (e) => ({ overrideId: await override(e, "banned", 0) }),
    op: "ratelimit.limit",
    body: () => limitBody("banned", 100, 1000),
    expect: {
      status: 500,
      type: `${ERR}/unkey/application/unexpected_error`,
      detail: "We're unable to process the rate limit request.",
    },
  },
  {
    name: "setOverride: by namespace name, answers a new rlor_ id",
    source: `${SET}/200_test.go:48-72`,
    op: "ratelimit.setOverride",
    body: () => ({ namespace: ns, identifier: "user_123", limit: 10, duration: 1000 }),
    expect: { status: 200, data: { overrideId: expect.stringMatching(/^rlor_/) } },
  },
  {
    name: "setOverride twice: the same override, updated",
    source: `${SET}/200_test.go:126-165`,
    setup: async (e) => ({ overrideId: await override(e, "*", 5, 2000) }),
    op: "ratelimit.setOverride",
    body: () => ({ namespace: NAMESPACE.id, identifier: "*", limit: 100, duration: 60_000 }),
    expect: { status: 200, exact: (v: Vars) => ({ overrideId: v.overrideId }) },
  },
  {
    name: "setOverride after deleteOverride answers the old id and the override stays deleted",
    source: "pkg/db/queries/ratelimit_override_insert.sql",
    setup: async (e) => {
      const overrideId = await override(e, "u1", 1);
      await deleteIt(e, "u1");
      await override(e, "u1", 2);
      return { overrideId };
    },
    op: "ratelimit.getOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: { status: 404, type: OVERRIDE_NOT_FOUND },
  },
  {
    name: "setOverride on an unknown namespace: 404 before the rights are checked",
    source: `${SET}/handler.go:65-84`,
    root: ROOTS.limitOnly,
    op: "ratelimit.setOverride",
    body: () => ({ namespace: "nonexistent", identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 404, type: NS_NOT_FOUND, detail: "This namespace does not exist." },
  },
  {
    name: "setOverride without set_override: 403",
    source: `${SET}/handler.go:86-100`,
    root: ROOTS.limitOnly,
    op: "ratelimit.setOverride",
    body: () => ({ namespace: ns, identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "setOverride with ratelimit.<namespace id>.set_override, naming the namespace by name",
    source: `${SET}/200_test.go:44-72`,
    root: RATELIMIT_ROOTS.overridesThisNamespace,
    op: "ratelimit.setOverride",
    body: () => ({ namespace: ns, identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 200 },
  },
  {
    name: "setOverride: a window under one second is refused",
    source:
      "svc/api/openapi/spec/paths/v2/ratelimit/setOverride/V2RatelimitSetOverrideRequestBody.yaml",
    op: "ratelimit.setOverride",
    body: () => ({ namespace: ns, identifier: "u1", limit: 1, duration: 999 }),
    expect: { status: 400, type: INVALID },
  },
  {
    name: "getOverride: a wildcard override answers for an identifier it matches",
    source: `${GET}/handler.go:75-96`,
    setup: async (e) => ({ overrideId: await override(e, "premium_*", 5) }),
    root: RATELIMIT_ROOTS.readOverrideOnly,
    op: "ratelimit.getOverride",
    body: () => ({ namespace: NAMESPACE.id, identifier: "premium_42" }),
    expect: {
      status: 200,
      exact: (v: Vars) => ({
        overrideId: v.overrideId,
        identifier: "premium_*",
        limit: 5,
        duration: 60_000,
      }),
    },
  },
  {
    name: "getOverride: no override matches: 404",
    source: `${GET}/404_test.go:46-58`,
    op: "ratelimit.getOverride",
    body: () => ({ namespace: ns, identifier: "non_existent_identifier" }),
    expect: { status: 404, type: OVERRIDE_NOT_FOUND, detail: "This override does not exist." },
  },
  {
    name: "getOverride: an existing override without read_override is the same 404",
    source: `${GET}/handler.go:83-130`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 5) }),
    root: ROOTS.limitOnly,
    op: "ratelimit.getOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: { status: 404, type: OVERRIDE_NOT_FOUND, detail: "This override does not exist." },
  },
  {
    name: "getOverride: read_override on ratelimits/** (the URN leg) answers the override",
    source: `${GET}/handler.go:98-119`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 5) }),
    root: RATELIMIT_ROOTS.overrideUrnsEverywhere,
    op: "ratelimit.getOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: {
      status: 200,
      exact: (v: Vars) => ({
        overrideId: v.overrideId,
        identifier: "u1",
        limit: 5,
        duration: 60_000,
      }),
    },
  },
  {
    name: "getOverride: the URN named is the matched override's, a wildcard one's for the identifiers it covers",
    // The URN built from the matched override: pkg/urn/resources_ratelimit.go:52.
    source: `${GET}/handler.go:98-108`,
    setup: async (e) => ({ overrideId: await override(e, "premium_*", 7) }),
    root: RATELIMIT_ROOTS.readOverrideUrnThisNamespace,
    op: "ratelimit.getOverride",
    body: () => ({ namespace: NAMESPACE.id, identifier: "premium_42" }),
    expect: {
      status: 200,
      exact: (v: Vars) => ({
        overrideId: v.overrideId,
        identifier: "premium_*",
        limit: 7,
        duration: 60_000,
      }),
    },
  },
  {
    name: "getOverride: read_override on another namespace's URN is the same 404",
    source: `${GET}/handler.go:98-130`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 5) }),
    root: RATELIMIT_ROOTS.readOverrideUrnOtherNamespace,
    op: "ratelimit.getOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: { status: 404, type: OVERRIDE_NOT_FOUND, detail: "This override does not exist." },
  },
  {
    name: "setOverride has no URN leg: set_override on ratelimits/** is a 403",
    source: `${SET}/handler.go:86-97`,
    root: RATELIMIT_ROOTS.overrideUrnsEverywhere,
    op: "ratelimit.setOverride",
    body: () => ({ namespace: ns, identifier: "u1", limit: 1, duration: 1000 }),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "listOverrides has no URN leg: read_override on ratelimits/** is a 403",
    source: `${LIST}/handler.go:73-87`,
    root: RATELIMIT_ROOTS.overrideUrnsEverywhere,
    op: "ratelimit.listOverrides",
    body: () => ({ namespace: ns }),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "deleteOverride has no URN leg: delete_override on ratelimits/** is a 403",
    source: `${DELETE}/handler.go:77-91`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 5) }),
    root: RATELIMIT_ROOTS.overrideUrnsEverywhere,
    op: "ratelimit.deleteOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "getOverride: unknown namespace: 404",
    source: `${GET}/404_test.go:60-84`,
    op: "ratelimit.getOverride",
    body: () => ({ namespace: "nonexistent_namespace", identifier: "u1" }),
    expect: { status: 404, type: NS_NOT_FOUND },
  },
  {
    name: "listOverrides: the live overrides, deleted ones left out",
    source: `${LIST}/handler.go:89-116`,
    setup: async (e) => {
      await override(e, "gone", 1);
      await deleteIt(e, "gone");
      return { overrideId: await override(e, "kept", 3) };
    },
    root: RATELIMIT_ROOTS.readOverrideOnly,
    op: "ratelimit.listOverrides",
    body: () => ({ namespace: ns }),
    expect: {
      status: 200,
      exact: (v: Vars) => [
        { overrideId: v.overrideId, identifier: "kept", limit: 3, duration: 60_000 },
      ],
    },
  },
  {
    name: "listOverrides without read_override: 403",
    source: `${LIST}/handler.go:73-87`,
    root: ROOTS.limitOnly,
    op: "ratelimit.listOverrides",
    body: () => ({ namespace: ns }),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "listOverrides on an unknown namespace: 404",
    source: `${LIST}/404_test.go:44-66`,
    op: "ratelimit.listOverrides",
    body: () => ({ namespace: "nonexistent" }),
    expect: { status: 404, type: NS_NOT_FOUND },
  },
  {
    name: "deleteOverride names a pattern as it was set, never matches it: 404",
    source: `${DELETE}/handler.go:93-100`,
    setup: async (e) => ({ overrideId: await override(e, "premium_*", 5) }),
    op: "ratelimit.deleteOverride",
    body: () => ({ namespace: ns, identifier: "premium_42" }),
    expect: { status: 404, type: OVERRIDE_NOT_FOUND, detail: "This override does not exist." },
  },
  {
    name: "deleteOverride twice: 404 the second time",
    source: `${DELETE}/404_test.go:46-58`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 5) }),
    repeat: 1,
    op: "ratelimit.deleteOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: { status: 404, type: OVERRIDE_NOT_FOUND },
  },
  {
    name: "deleteOverride without delete_override: 403",
    source: `${DELETE}/handler.go:77-91`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 5) }),
    root: RATELIMIT_ROOTS.readOverrideOnly,
    op: "ratelimit.deleteOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "deleteOverride with ratelimit.<namespace id>.delete_override: 200 {}",
    source: `${DELETE}/200_test.go:59-76`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 5) }),
    root: RATELIMIT_ROOTS.overridesThisNamespace,
    op: "ratelimit.deleteOverride",
    body: () => ({ namespace: ns, identifier: "u1" }),
    expect: { status: 200, exact: {} },
  },
];

const check = (namespace: string, identifier: string, limit: number, cost?: number): Json => ({
  namespace,
  identifier,
  limit,
  duration: 60_000,
  ...(cost !== undefined ? { cost } : {}),
});

const multiRows: Row[] = [
  {
    name: "multiLimit creates unknown namespaces and answers each check as named",
    source: `${MULTI}/200_test.go:35-85`,
    op: "ratelimit.multiLimit",
    body: () => [check("first.ns", "user_123", 100), check(NAMESPACE.id, "user_123", 200)],
    expect: {
      status: 200,
      exact: {
        passed: true,
        limits: [
          {
            namespace: "first.ns",
            identifier: "user_123",
            passed: true,
            limit: 100,
            remaining: 99,
            reset: T0 + 60_000,
          },
          {
            namespace: NAMESPACE.id,
            identifier: "user_123",
            passed: true,
            limit: 200,
            remaining: 199,
            reset: T0 + 60_000,
          },
        ],
      },
    },
  },
  {
    name: "multiLimit is all or nothing: a passing check reports its cost back",
    source: `${SLIDING}:277-296`,
    repeat: 1,
    op: "ratelimit.multiLimit",
    body: () => [check(ns, "u1", 5), check(ns, "u2", 1)],
    expect: {
      status: 200,
      data: {
        passed: false,
        limits: [
          { identifier: "u1", passed: true, remaining: 4 },
          { identifier: "u2", passed: false, remaining: 0 },
        ],
      },
    },
  },
  {
    name: "multiLimit refused: nothing was consumed",
    source: `${SLIDING}:247-261`,
    setup: async (e) => {
      const body = [check(ns, "u1", 5), check(ns, "u2", 1)];
      await e.call("ratelimit.multiLimit", body);
      await e.call("ratelimit.multiLimit", body);
      return {};
    },
    op: "ratelimit.limit",
    body: () => check(ns, "u1", 5),
    expect: { status: 200, data: { success: true, remaining: 3 } },
  },
  {
    name: "multiLimit: a later check on the same counter sees the earlier one's cost",
    source: `${SLIDING}:227-243`,
    op: "ratelimit.multiLimit",
    body: () => [check(ns, "u1", 3, 2), check(ns, "u1", 3, 2)],
    expect: {
      status: 200,
      data: {
        passed: false,
        limits: [
          { passed: true, remaining: 3 },
          { passed: false, remaining: 0 },
        ],
      },
    },
  },
  {
    name: "multiLimit applies each identifier's override",
    source: `${MULTI}/handler.go:159-187`,
    setup: async (e) => ({ overrideId: await override(e, "u1", 200) }),
    op: "ratelimit.multiLimit",
    body: () => [check(ns, "u1", 100), check(ns, "u2", 100)],
    expect: {
      status: 200,
      exact: (v: Vars) => ({
        passed: true,
        limits: [
          {
            namespace: ns,
            identifier: "u1",
            passed: true,
            limit: 200,
            remaining: 199,
            reset: T0 + 60_000,
            overrideId: v.overrideId,
          },
          {
            namespace: ns,
            identifier: "u2",
            passed: true,
            limit: 100,
            remaining: 99,
            reset: T0 + 60_000,
          },
        ],
      }),
    },
  },
  {
    name: "multiLimit: rights for one of two namespaces: 403",
    source: `${MULTI}/403_test.go:118-171`,
    setup: async (e) => {
      await e.call("ratelimit.limit", { ...check("other.ns", "u1", 1), duration: 1000 });
      return {};
    },
    root: ROOTS.limitThisNamespaceById,
    op: "ratelimit.multiLimit",
    body: () => [check(ns, "u1", 5), check("other.ns", "u1", 5)],
    expect: { status: 403, type: FORBIDDEN, detail: /Missing/ },
  },
  {
    name: "multiLimit: the namespace's right, named by name and by id: 200",
    source: `${MULTI}/handler.go:111-131`,
    root: ROOTS.limitThisNamespaceById,
    op: "ratelimit.multiLimit",
    body: () => [check(ns, "u1", 5), check(NAMESPACE.id, "u2", 5)],
    expect: { status: 200, data: { passed: true } },
  },
  {
    name: "multiLimit: a new namespace needs create_namespace: 403",
    source: `${MULTI}/403_test.go:81-116`,
    root: ROOTS.limitOnly,
    op: "ratelimit.multiLimit",
    body: () => [check("fresh.ns", "u1", 5)],
    expect: { status: 403, type: FORBIDDEN, detail: /create_namespace/ },
  },
  {
    name: "multiLimit: create_namespace does not give the new namespace's limit right: 403",
    source: `${MULTI}/handler.go:88-131`,
    root: RATELIMIT_ROOTS.createAndLimit,
    op: "ratelimit.multiLimit",
    body: () => [check(ns, "u1", 5), check("fresh.ns", "u1", 5)],
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "multiLimit: an empty array is refused",
    source: `${MULTI}/400_test.go:31-48`,
    op: "ratelimit.multiLimit",
    body: () => [],
    expect: { status: 400, type: INVALID },
  },
  {
    name: "multiLimit: 101 checks are refused (maxItems 100)",
    source:
      "svc/api/openapi/spec/paths/v2/ratelimit/multiLimit/V2RatelimitMultiLimitRequestBody.yaml",
    op: "ratelimit.multiLimit",
    body: () => Array.from({ length: 101 }, (_, i) => check(ns, `u${i}`, 5)),
    expect: { status: 400, type: INVALID },
  },
  {
    name: "multiLimit: an object body is refused",
    source:
      "svc/api/openapi/spec/paths/v2/ratelimit/multiLimit/V2RatelimitMultiLimitRequestBody.yaml",
    op: "ratelimit.multiLimit",
    body: () => check(ns, "u1", 5),
    httpOnly: "the SDK sends an array",
    expect: { status: 400, type: INVALID },
  },
];

/** Every rate-limit row: sliding window, overrides, multiLimit. */
export const ratelimitRows: Row[] = [...slidingRows, ...overrideRows, ...multiRows];
