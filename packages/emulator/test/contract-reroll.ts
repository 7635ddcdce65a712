// Contract rows for keys.rerollKey, transcribed from unkeyed/unkey
// svc/api/routes/v2_keys_reroll_key (handler.go and its tests).
import { expect } from "vitest";
import type { Emulator } from "../src/index";
import { API_ID, type Clock, type Row, type Vars } from "./contract-table";
import { KEYSPACE_ID, urn, WORKSPACE_ID } from "./contract-workspace";
import type { Json } from "./helpers";

const REROLL = "svc/api/routes/v2_keys_reroll_key";
const ERR = "https://unkey.com/docs/errors";
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;

async function createKey(e: Emulator, extra: Json = {}): Promise<Vars> {
  const created = await e.call<Vars>("keys.createKey", { apiId: API_ID, ...extra });
  return { key: created.key as string, keyId: created.keyId as string };
}

/** Creates a key, rerolls it with `expiration`, then moves the clock by `after` ms. */
const rerolled =
  (expiration: number, after: number, extra: Json = {}) =>
  async (e: Emulator, clock: Clock): Promise<Vars> => {
    const old = await createKey(e, extra);
    const fresh = await e.call<Vars>("keys.rerollKey", { keyId: old.keyId, expiration });
    clock.advance(after);
    return {
      oldKey: old.key as string,
      newKey: fresh.key as string,
      newKeyId: fresh.keyId as string,
    };
  };

const verifyOld = (v: Vars) => ({ key: v.oldKey });
const MINUTE_AFTER_START = Date.UTC(2025, 0, 15, 12, 1, 0);

export const rerollRows: Row[] = [
  {
    name: "rerollKey: a new key of the old one's prefix, 16 bytes",
    source: `${REROLL}/handler.go:131-145`,
    setup: (e) => createKey(e, { prefix: "sk", byteLength: 32 }),
    op: "keys.rerollKey",
    body: (v) => ({ keyId: v.keyId, expiration: 0 }),
    expect: {
      status: 200,
      data: { keyId: expect.stringMatching(/^key_/), key: expect.stringMatching(/^sk_\w{16,23}$/) },
    },
  },
  {
    name: "rerollKey: the new key carries the old one's name, meta, permissions, roles, credits, limits and identity",
    source: `${REROLL}/handler.go:196-309`,
    setup: async (e, clock) => {
      await e.call("permissions.createRole", { name: "reroll-reader", permissions: ["docs.read"] });
      return rerolled(60_000, 0, {
        name: "rolled",
        meta: { plan: "pro" },
        permissions: ["docs.write"],
        roles: ["reroll-reader"],
        credits: { remaining: 7 },
        ratelimits: [{ name: "requests", limit: 5, duration: 60_000, autoApply: true }],
        externalId: "reroll-owner",
      })(e, clock);
    },
    op: "keys.verifyKey",
    body: (v) => ({ key: v.newKey }),
    expect: {
      status: 200,
      data: (v: Vars) => ({
        valid: true,
        keyId: v.newKeyId,
        name: "rolled",
        meta: { plan: "pro" },
        permissions: expect.arrayContaining(["docs.read", "docs.write"]),
        roles: ["reroll-reader"],
        credits: 6,
        ratelimits: [{ name: "requests", limit: 5, remaining: 4, autoApply: true }],
        identity: { externalId: "reroll-owner" },
      }),
    },
  },
  {
    name: "rerollKey: the old key keeps verifying during the overlap",
    source: `${REROLL}/handler.go:311-337`,
    setup: rerolled(60_000, 60_000),
    op: "keys.verifyKey",
    body: verifyOld,
    expect: { status: 200, data: { valid: true, code: "VALID", expires: MINUTE_AFTER_START } },
  },
  {
    name: "rerollKey: after the overlap the old key is EXPIRED",
    source: `${REROLL}/handler.go:311-337`,
    setup: rerolled(60_000, 60_001),
    op: "keys.verifyKey",
    body: verifyOld,
    expect: { status: 200, data: { valid: false, code: "EXPIRED" } },
  },
  {
    name: "rerollKey: the overlap's end is rounded up to the next whole minute",
    source: `${REROLL}/handler.go:311-316`,
    setup: rerolled(1_000, 30_000),
    op: "keys.verifyKey",
    body: verifyOld,
    expect: { status: 200, data: { valid: true, expires: MINUTE_AFTER_START } },
  },
  {
    name: "rerollKey: expiration 0 revokes the old key at once",
    source: `${REROLL}/handler.go:318-320`,
    setup: rerolled(0, 1),
    op: "keys.verifyKey",
    body: verifyOld,
    expect: { status: 200, data: { valid: false, code: "EXPIRED" } },
  },
  {
    name: "rerollKey: the new key is not bound by the old one's overlap",
    source: `${REROLL}/200_test.go:220-257`,
    setup: rerolled(0, 1),
    op: "keys.verifyKey",
    body: (v) => ({ key: v.newKey }),
    expect: { status: 200, data: { valid: true, code: "VALID" }, absent: ["expires"] },
  },
  {
    name: "rerollKey: an unknown key is 404 key_not_found",
    source: `${REROLL}/404_test.go:35-45`,
    op: "keys.rerollKey",
    body: () => ({ keyId: "key_doesnotexist", expiration: 0 }),
    expect: {
      status: 404,
      type: `${ERR}/unkey/data/key_not_found`,
      detail: "The specified key was not found.",
    },
  },
  {
    name: "rerollKey: read rights only are a 403 naming the create_key grants",
    source: `${REROLL}/handler.go:399-425`,
    seed: { rootKeys: [{ key: "root_read_keys", permissions: ["api.*.read_key"] }] },
    setup: (e) => createKey(e),
    root: "root_read_keys",
    op: "keys.rerollKey",
    body: (v) => ({ keyId: v.keyId, expiration: 0 }),
    expect: {
      status: 403,
      type: `${ERR}/unkey/authorization/insufficient_permissions`,
      detail: `Missing one of these permissions: api.${API_ID}.create_key or api.*.create_key or unkey:v1:${WORKSPACE_ID}:keyspaces/${KEYSPACE_ID}#create_key`,
    },
  },
  {
    name: "rerollKey: create_key on the keyspace as a resource permission suffices",
    source: `${REROLL}/handler.go:404-410`,
    seed: {
      rootKeys: [{ key: "root_keyspace_create", permissions: [urn("keyspaces/*", "create_key")] }],
    },
    setup: (e) => createKey(e),
    root: "root_keyspace_create",
    op: "keys.rerollKey",
    body: (v) => ({ keyId: v.keyId, expiration: 0 }),
    expect: { status: 200, data: { key: expect.stringMatching(BASE58) } },
  },
  {
    name: "rerollKey: a negative expiration is refused",
    source: "svc/api/openapi/spec/paths/v2/keys/rerollKey/V2KeysRerollKeyRequestBody.yaml:21-25",
    setup: (e) => createKey(e),
    op: "keys.rerollKey",
    body: (v) => ({ keyId: v.keyId, expiration: -1 }),
    expect: { status: 400, type: `${ERR}/unkey/application/invalid_input` },
  },
];
