import { evaluatePermissionQuery } from "@keyguard/core";

/** One key the fake knows. */
export interface FakeKey {
  keyId: string;
  permissions?: string[];
  roles?: string[];
  code?: "VALID" | "DISABLED" | "EXPIRED";
  credits?: number;
  meta?: Record<string, unknown>;
}

/**
 * A stand-in for Unkey's `POST /v2/keys.verifyKey`, injected as the verifier's
 * `fetch`: answers from a table of keys, evaluates permission queries and
 * credits, and counts every upstream call. `down` makes it answer 503.
 */
export function fakeUnkey(keys: Record<string, FakeKey>) {
  const state = {
    calls: 0,
    down: false,
    lastBody: undefined as Record<string, unknown> | undefined,
  };
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    state.calls++;
    const meta = { requestId: `req_${state.calls}` };
    if (state.down)
      return Response.json({ meta, error: { title: "down", status: 503 } }, { status: 503 });
    const body = JSON.parse(String(init?.body)) as {
      key: string;
      permissions?: string;
      credits?: { cost: number };
    };
    state.lastBody = body;
    const key = keys[body.key];
    if (key === undefined)
      return Response.json({ meta, data: { valid: false, code: "NOT_FOUND" } });
    const permissions = key.permissions ?? [];
    const data: Record<string, unknown> = {
      keyId: key.keyId,
      permissions,
      roles: key.roles ?? [],
      meta: key.meta,
      credits: key.credits,
      enabled: key.code !== "DISABLED",
    };
    let code: string = key.code ?? "VALID";
    if (
      code === "VALID" &&
      body.permissions &&
      !evaluatePermissionQuery(body.permissions, permissions)
    ) {
      code = "INSUFFICIENT_PERMISSIONS";
    }
    if (code === "VALID" && key.credits !== undefined) {
      const cost = body.credits?.cost ?? 1;
      if (key.credits < cost) code = "USAGE_EXCEEDED";
      else key.credits -= cost;
      data.credits = key.credits;
    }
    return Response.json({ meta, data: { ...data, valid: code === "VALID", code } });
  };
  return Object.assign(state, { fetch });
}
