import { evaluatePermissionQuery } from "@keyguard/core";

/** One key the fake knows. */
export interface FakeKey {
  keyId: string;
  permissions?: string[];
  roles?: string[];
  name?: string;
  meta?: Record<string, unknown>;
  /** `false` answers DISABLED. */
  enabled?: boolean;
  /** Forces a code other than VALID (checked before permissions, as Unkey does). */
  code?: "VALID" | "DISABLED" | "EXPIRED";
  /** Credits left; deducted by `credits.cost` (default 1) on a VALID verification. */
  credits?: number;
}

/** The body keyguard sends to `keys.verifyKey`. */
export interface VerifyBody {
  key: string;
  permissions?: string;
  credits?: { cost: number };
  [field: string]: unknown;
}

/**
 * A stand-in for Unkey's `POST /v2/keys.verifyKey`, injected as the verifier's
 * `fetch` in the adapters' unit tests: answers from a table of keys, evaluates
 * permission queries and credits, records every body and counts every call.
 * `down = true` makes it answer what an outage looks like from here: a load balancer's 503
 * page, with no Unkey envelope (Unkey's own 5xx is Unkey answering, never an outage).
 */
export function fakeUnkey(keys: Record<string, FakeKey>) {
  const state = {
    calls: 0,
    down: false,
    bodies: [] as VerifyBody[],
    /** The last body sent upstream. */
    lastBody: undefined as VerifyBody | undefined,
  };
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    state.calls++;
    const meta = { requestId: `req_${state.calls}` };
    if (state.down) {
      return new Response("<html><body>503 Service Unavailable</body></html>", {
        status: 503,
        headers: { "content-type": "text/html" },
      });
    }
    const body = JSON.parse(String(init?.body)) as VerifyBody;
    state.bodies.push(body);
    state.lastBody = body;
    const key = keys[body.key];
    if (key === undefined)
      return Response.json({ meta, data: { valid: false, code: "NOT_FOUND" } });
    const permissions = key.permissions ?? [];
    const data: Record<string, unknown> = {
      keyId: key.keyId,
      name: key.name,
      meta: key.meta,
      permissions,
      roles: key.roles ?? [],
      credits: key.credits,
      enabled: key.enabled !== false && key.code !== "DISABLED",
    };
    let code: string = key.enabled === false ? "DISABLED" : (key.code ?? "VALID");
    if (code === "VALID" && body.permissions !== undefined) {
      if (!evaluatePermissionQuery(body.permissions, permissions))
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
