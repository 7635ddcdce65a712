// Contract rows for keys.updateCredits, which keyguard's refunds call (issue 32 item 4),
// transcribed from unkeyed/unkey svc/api/routes/v2_keys_update_credits.
import type { Emulator } from "../src/index";
import { API_ID, type Row, type Vars } from "./contract-table";
import type { Json } from "./helpers";

const ROUTE = "svc/api/routes/v2_keys_update_credits";
const ERR = "https://unkey.com/docs/errors";
const INVALID = `${ERR}/unkey/application/invalid_input`;
const FORBIDDEN = `${ERR}/unkey/authorization/insufficient_permissions`;

/** A key created with the full root key and `extra` settings; answers its id. */
const keyWith =
  (extra: Json = {}) =>
  async (e: Emulator): Promise<Vars> => {
    const created = await e.call<{ keyId: string }>("keys.createKey", { apiId: API_ID, ...extra });
    return { keyId: created.keyId };
  };

const limited = keyWith({ credits: { remaining: 100 } });
const increment = (value?: number) => (v: Vars) => ({
  keyId: v.keyId,
  operation: "increment",
  ...(value === undefined ? {} : { value }),
});

/** A row's own root key `root_<name>` with `permissions`. */
const rootWith = (name: string, permissions: string[]) => ({
  seed: { rootKeys: [{ key: `root_${name}`, permissions }] },
  root: `root_${name}`,
});

export const creditRows: Row[] = [
  {
    name: "updateCredits increment: the key's remaining credits plus the value",
    source: `${ROUTE}/200_test.go:108-133`,
    setup: limited,
    op: "keys.updateCredits",
    body: increment(10),
    expect: { status: 200, exact: { remaining: 110 } },
  },
  {
    name: "updateCredits increment of a key with unlimited credits: 400, errors []",
    source: `${ROUTE}/handler.go:114-120`,
    setup: keyWith(),
    op: "keys.updateCredits",
    body: increment(1),
    expect: {
      status: 400,
      type: INVALID,
      detail: "You cannot increment or decrement a key with unlimited credits.",
      errors: [],
    },
  },
  {
    name: "updateCredits increment without a value: 400, errors []",
    source: `${ROUTE}/handler.go:107-113`,
    setup: limited,
    op: "keys.updateCredits",
    body: increment(),
    expect: {
      status: 400,
      type: INVALID,
      detail: "When specifying an increment or decrement operation, a value must be provided.",
      errors: [],
    },
  },
  {
    name: "updateCredits with create_key but not update_key: 403",
    source: `${ROUTE}/403_test.go:67-79`,
    ...rootWith("credits_create_only", ["api.*.create_key"]),
    setup: limited,
    op: "keys.updateCredits",
    body: increment(1),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "updateCredits with update_key on another API: 403",
    source: `${ROUTE}/403_test.go:98-111`,
    ...rootWith("credits_other_api", ["api.api_other.update_key"]),
    setup: limited,
    op: "keys.updateCredits",
    body: increment(1),
    expect: { status: 403, type: FORBIDDEN },
  },
  {
    name: "updateCredits with update_key on the key's API: 200",
    source: `${ROUTE}/handler.go:88-103`,
    ...rootWith("credits_this_api", [`api.${API_ID}.update_key`]),
    setup: limited,
    op: "keys.updateCredits",
    body: increment(2),
    expect: { status: 200, exact: { remaining: 102 } },
  },
  {
    name: "updateCredits of an unknown key: 404 key_not_found",
    source: `${ROUTE}/handler.go:61-69`,
    op: "keys.updateCredits",
    body: () => ({ keyId: "key_unknown123", operation: "increment", value: 1 }),
    expect: {
      status: 404,
      type: `${ERR}/unkey/data/key_not_found`,
      detail: "We could not find the requested key.",
    },
  },
];
