import { evaluatePermissionQuery } from "@keyguard/core";

/** A key the fake knows. */
export interface FakeKey {
  readonly keyId: string;
  readonly permissions?: readonly string[];
  readonly roles?: readonly string[];
  readonly name?: string;
  readonly meta?: Record<string, unknown>;
  readonly enabled?: boolean;
}

/**
 * Plays Unkey's `POST /v2/keys.verifyKey` as an injected `fetch`: answers from
 * `keys`, evaluates the permission query, counts calls, and can be made to fail.
 */
export function fakeUnkey(keys: Record<string, FakeKey>) {
  const state = { calls: 0, down: false, bodies: [] as Record<string, unknown>[] };
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    state.calls++;
    if (state.down) throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
    const body = JSON.parse(String(init?.body)) as { key: string; permissions?: string };
    state.bodies.push(body);
    const key = keys[body.key];
    let data: Record<string, unknown>;
    if (key === undefined) {
      data = { valid: false, code: "NOT_FOUND" };
    } else {
      const permissions = key.permissions ?? [];
      const code =
        key.enabled === false
          ? "DISABLED"
          : body.permissions !== undefined &&
              !evaluatePermissionQuery(body.permissions, permissions)
            ? "INSUFFICIENT_PERMISSIONS"
            : "VALID";
      data = {
        valid: code === "VALID",
        code,
        keyId: key.keyId,
        name: key.name,
        meta: key.meta,
        enabled: key.enabled ?? true,
        permissions,
        roles: key.roles ?? [],
      };
    }
    return Response.json({ meta: { requestId: `req_${state.calls}` }, data });
  };
  return Object.assign(state, { fetch });
}
