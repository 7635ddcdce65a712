// Contract rows for identities.updateIdentity, listIdentities and
// deleteIdentity, transcribed from unkeyed/unkey
// svc/api/routes/v2_identities_{update,list,delete}_identity.
import { expect } from "vitest";
import type { Emulator } from "../src/index";
import { API_ID, type Row, type Vars } from "./contract-table";
import { urn, WORKSPACE_ID } from "./contract-workspace";
import type { Json } from "./helpers";

const UPDATE = "svc/api/routes/v2_identities_update_identity";
const LIST = "svc/api/routes/v2_identities_list_identities";
const DELETE = "svc/api/routes/v2_identities_delete_identity";
const ERR = "https://unkey.com/docs/errors";
const FORBIDDEN = `${ERR}/unkey/authorization/insufficient_permissions`;
// deleteIdentity's spec declares its errors as application/problem+json, but
// the SDK asks for application/json, which Unkey then answers: the SDK's
// matchers miss and it raises its generic APIError.
const DELETE_SDK_ERROR = "APIError";
const NO_IDENTITY = {
  status: 404,
  type: `${ERR}/unkey/data/identity_not_found`,
  detail: "This identity does not exist.",
};

const rl = (name: string, limit: number, autoApply = true) => ({
  name,
  limit,
  duration: 60_000,
  autoApply,
});

async function identity(e: Emulator, externalId: string, extra: Json = {}): Promise<Vars> {
  const { identityId } = await e.call<Vars>("identities.createIdentity", { externalId, ...extra });
  return { identityId: identityId as string };
}

/** An identity with an auto-applied limit of 1 and a key of its own. */
async function identityWithKey(e: Emulator): Promise<Vars> {
  const vars = await identity(e, "limited-org", { ratelimits: [rl("org", 1)] });
  const { key } = await e.call<Vars>("keys.createKey", {
    apiId: API_ID,
    externalId: "limited-org",
  });
  return { ...vars, key: key as string };
}

/** Three identities; answers their ids in the order Unkey lists them (by id). */
async function threeIdentities(e: Emulator): Promise<Vars> {
  const ids = [];
  for (const externalId of ["Team-Alpha", "team-beta", "gamma"]) {
    ids.push((await identity(e, externalId)).identityId as string);
  }
  const [first, second, third] = ids.sort();
  return { first: first as string, second: second as string, third: third as string };
}

const noIdentityRights = {
  rootKeys: [{ key: "root_no_identity", permissions: ["api.*.read_key"] }],
};

export const identityRows: Row[] = [
  {
    name: "updateIdentity replaces meta and rate limits and answers them",
    source: `${UPDATE}/handler.go:183-434`,
    setup: (e) => identity(e, "update-me", { meta: { plan: "free" }, ratelimits: [rl("old", 5)] }),
    op: "identities.updateIdentity",
    body: () => ({
      identity: "update-me",
      meta: { plan: "pro" },
      ratelimits: [rl("new", 9, false)],
    }),
    expect: {
      status: 200,
      exact: {
        id: expect.stringMatching(/^id_/),
        externalId: "update-me",
        meta: { plan: "pro" },
        ratelimits: [
          {
            id: expect.stringMatching(/^rl_/),
            name: "new",
            limit: 9,
            duration: 60_000,
            autoApply: false,
          },
        ],
      },
    },
  },
  {
    name: "updateIdentity keeps the id of a limit it names again",
    source: `${UPDATE}/handler.go:272-322`,
    setup: async (e) => {
      await identity(e, "keep-ids", { ratelimits: [rl("requests", 5)] });
      const got = await e.call<Json>("identities.getIdentity", { identity: "keep-ids" });
      return { rlId: got.ratelimits[0].id };
    },
    op: "identities.updateIdentity",
    body: () => ({ identity: "keep-ids", ratelimits: [rl("requests", 50)] }),
    expect: {
      status: 200,
      data: (v: Vars) => ({ ratelimits: [{ id: v.rlId, name: "requests", limit: 50 }] }),
    },
  },
  {
    name: "updateIdentity without meta answers no meta, whatever the identity holds",
    source: `${UPDATE}/handler.go:418-423`,
    setup: (e) => identity(e, "keeps-meta", { meta: { plan: "free" } }),
    op: "identities.updateIdentity",
    body: () => ({ identity: "keeps-meta", ratelimits: [] }),
    expect: { status: 200, data: { externalId: "keeps-meta" }, absent: ["meta", "ratelimits"] },
  },
  {
    name: "updateIdentity: new limits apply to the identity's keys at once",
    source: "internal/services/keys/db/queries/key_find_for_verification.sql:70-72",
    setup: async (e) => {
      const vars = await identityWithKey(e);
      await e.call("identities.updateIdentity", {
        identity: "limited-org",
        ratelimits: [rl("org", 3)],
      });
      return vars;
    },
    op: "keys.verifyKey",
    body: (v) => ({ key: v.key }),
    expect: {
      status: 200,
      data: { valid: true, ratelimits: [{ name: "org", limit: 3, remaining: 2 }] },
    },
  },
  {
    name: "updateIdentity: a limit named twice is a 400",
    source: `${UPDATE}/400_test.go:68-92`,
    setup: (e) => identity(e, "dup-limits"),
    op: "identities.updateIdentity",
    body: () => ({ identity: "dup-limits", ratelimits: [rl("api_calls", 1), rl("api_calls", 2)] }),
    expect: {
      status: 400,
      type: `${ERR}/unkey/application/invalid_input`,
      detail: "Ratelimit with name 'api_calls' is already defined in the request",
    },
  },
  {
    name: "updateIdentity: an unknown identity is 404",
    source: `${UPDATE}/404_test.go:30-43`,
    op: "identities.updateIdentity",
    body: () => ({ identity: "nobody", meta: {} }),
    expect: NO_IDENTITY,
  },
  {
    name: "updateIdentity without the right: 403 naming the tuple and the resource permission",
    source: `${UPDATE}/handler.go:70-83`,
    seed: noIdentityRights,
    root: "root_no_identity",
    setup: (e) => identity(e, "guarded"),
    op: "identities.updateIdentity",
    body: () => ({ identity: "guarded", meta: {} }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: `Missing one of these permissions: identity.*.update_identity or unkey:v1:${WORKSPACE_ID}:projects/*/identities/*#update_identity`,
    },
  },
  {
    name: "updateIdentity with the resource permission on every project's identities: 200",
    source: `${UPDATE}/urn_permissions_test.go:17-34`,
    seed: {
      rootKeys: [
        {
          key: "root_urn_identity",
          permissions: [urn("projects/*/identities/*", "update_identity")],
        },
      ],
    },
    root: "root_urn_identity",
    setup: (e) => identity(e, "urn-updated"),
    op: "identities.updateIdentity",
    body: () => ({ identity: "urn-updated", meta: { updated: true } }),
    expect: { status: 200, data: { meta: { updated: true } } },
  },
  {
    name: "listIdentities pages by id; the cursor is the next page's first id",
    source: `${LIST}/handler.go:54-70`,
    setup: threeIdentities,
    op: "identities.listIdentities",
    body: () => ({ limit: 2 }),
    expect: {
      status: 200,
      data: (v: Vars) => [{ id: v.first }, { id: v.second }],
      pagination: (v: Vars) => ({ cursor: v.third, hasMore: true }),
    },
  },
  {
    name: "listIdentities from a cursor includes the cursor's identity",
    source: "pkg/db/queries/identity_list.sql:32",
    setup: threeIdentities,
    op: "identities.listIdentities",
    body: (v) => ({ limit: 2, cursor: v.third }),
    expect: { status: 200, data: (v: Vars) => [{ id: v.third }], pagination: { hasMore: false } },
  },
  {
    name: "listIdentities search matches externalId case-insensitively",
    source: "pkg/db/queries/identity_list.sql:34",
    setup: threeIdentities,
    op: "identities.listIdentities",
    body: () => ({ search: " TEAM " }),
    expect: {
      status: 200,
      data: [{}, {}],
      pagination: { hasMore: false },
    },
  },
  {
    name: "listIdentities leaves out empty meta and rate limits",
    source: "svc/api/openapi/gen.go:823-835",
    setup: (e) => identity(e, "bare"),
    op: "identities.listIdentities",
    body: () => ({}),
    expect: {
      status: 200,
      exact: [{ id: expect.stringMatching(/^id_/), externalId: "bare" }],
      pagination: { hasMore: false },
    },
  },
  {
    name: "listIdentities without rights and nothing to list: 200, empty",
    source: `${LIST}/handler.go:72-96`,
    seed: noIdentityRights,
    root: "root_no_identity",
    op: "identities.listIdentities",
    body: () => ({}),
    expect: { status: 200, exact: [], pagination: { hasMore: false } },
  },
  {
    name: "listIdentities without rights to a listed identity: 403",
    source: `${LIST}/403_test.go:86-92`,
    seed: noIdentityRights,
    root: "root_no_identity",
    setup: (e) => identity(e, "unreadable"),
    op: "identities.listIdentities",
    body: () => ({}),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail:
        /^Missing one of these permissions: identity\.id_\w+\.read_identity or identity\.\*\.read_identity or unkey:v1:ws_contract:projects\/\*\/identities\/\*#read_identity$/,
    },
  },
  {
    name: "deleteIdentity answers { meta } alone",
    source: `${DELETE}/handler.go:228-232`,
    setup: (e) => identity(e, "delete-me"),
    op: "identities.deleteIdentity",
    body: () => ({ identity: "delete-me" }),
    expect: { status: 200, noData: true },
  },
  {
    name: "deleteIdentity: its keys stay, its rate limits stop applying to them",
    source: "internal/services/keys/db/queries/key_find_for_verification.sql:88",
    setup: async (e) => {
      const vars = await identityWithKey(e);
      await e.call("keys.verifyKey", { key: vars.key });
      await e.call("identities.deleteIdentity", { identity: "limited-org" });
      return vars;
    },
    op: "keys.verifyKey",
    body: (v) => ({ key: v.key }),
    expect: {
      status: 200,
      data: { valid: true, code: "VALID" },
      absent: ["identity", "ratelimits"],
    },
  },
  {
    name: "deleteIdentity: the externalId can be used again at once",
    source: "svc/api/openapi/spec/paths/v2/identities/deleteIdentity/index.yaml:13",
    setup: async (e) => {
      const vars = await identity(e, "reused");
      await e.call("identities.deleteIdentity", { identity: "reused" });
      return vars;
    },
    op: "identities.createIdentity",
    body: () => ({ externalId: "reused" }),
    expect: { status: 200, data: { identityId: expect.stringMatching(/^id_/) } },
  },
  {
    name: "deleteIdentity: an unknown identity is 404",
    source: `${DELETE}/handler.go:79-90`,
    sdkError: DELETE_SDK_ERROR,
    op: "identities.deleteIdentity",
    body: () => ({ identity: "nobody" }),
    expect: NO_IDENTITY,
  },
  {
    name: "deleteIdentity without the right: 403",
    source: `${DELETE}/handler.go:60-77`,
    sdkError: DELETE_SDK_ERROR,
    seed: noIdentityRights,
    root: "root_no_identity",
    setup: (e) => identity(e, "kept"),
    op: "identities.deleteIdentity",
    body: () => ({ identity: "kept" }),
    expect: {
      status: 403,
      type: FORBIDDEN,
      detail: `Missing one of these permissions: identity.*.delete_identity or unkey:v1:${WORKSPACE_ID}:projects/*/identities/*#delete_identity`,
    },
  },
];
