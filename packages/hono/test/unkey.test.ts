import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  createVerifier,
  type KeyContext,
  KeyguardConfigError,
  VerifierError,
} from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import { type Context, Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { requirePermissions, type UnkeyHonoOptions, unkey } from "../src/index";

const KEYS = {
  sk_reader: { keyId: "key_reader", permissions: ["docs.read"], name: "Reader" },
  sk_admin: { keyId: "key_admin", permissions: ["docs.read", "docs.write", "admin"] },
  sk_disabled: { keyId: "key_disabled", enabled: false },
};

function setup() {
  const unkeyFake = fakeUnkey(KEYS);
  const base: UnkeyHonoOptions = { rootKey: "unkey_root_test", fetch: unkeyFake.fetch };
  const seen: (KeyContext | undefined)[] = [];
  const handler = (c: Context) => {
    seen.push(c.get("unkey"));
    return c.json({ keyId: c.var.unkey?.keyId ?? null, source: c.var.unkey?.source ?? null });
  };
  const errors: unknown[] = [];
  const app = new Hono();
  app.onError((error, c) => {
    errors.push(error);
    return c.json({ error: error.name, code: (error as VerifierError).code ?? null }, 599 as 500);
  });
  return { unkeyFake, base, seen, handler, errors, app };
}

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("unkey() on app.request", () => {
  it("app-wide: lets a valid key in with c.get('unkey'), then answers from the cache", async () => {
    const { unkeyFake, base, seen, handler, app } = setup();
    app.use(unkey(base));
    app.get("/docs", handler);
    const first = await app.request("/docs", bearer("sk_reader"));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ keyId: "key_reader", source: "upstream" });
    expect(seen[0]).toMatchObject({
      keyId: "key_reader",
      name: "Reader",
      permissions: ["docs.read"],
    });
    const second = await app.request("/docs", { headers: { "x-api-key": "sk_reader" } });
    expect(await second.json()).toEqual({ keyId: "key_reader", source: "cache" });
    expect(unkeyFake.calls).toBe(1);
  });

  it("refuses without a key (401 MISSING_KEY, problem+json) and never runs the handler", async () => {
    const { unkeyFake, base, seen, handler, app } = setup();
    app.use(unkey(base));
    app.get("/docs", handler);
    const res = await app.request("/docs");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await res.json()).toMatchObject({ status: 401, code: "MISSING_KEY" });
    expect(seen).toHaveLength(0);
    expect(unkeyFake.calls).toBe(0);
  });

  it("refuses disabled (401 DISABLED), unknown (401 NOT_FOUND) and comma-joined keys", async () => {
    const { unkeyFake, base, seen, handler, app } = setup();
    app.use(unkey(base));
    app.get("/docs", handler);
    const disabled = await app.request("/docs", {
      headers: { authorization: "bearer sk_disabled" },
    });
    expect((await disabled.json()).code).toBe("DISABLED");
    const unknown = await app.request("/docs", bearer("sk_who"));
    expect(unknown.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="invalid_token"',
    );
    const text = await unknown.text();
    expect(JSON.parse(text).code).toBe("NOT_FOUND");
    expect(text).not.toContain("sk_who");
    // Two Authorization headers reach Hono joined by ", ": refused locally, 400 (RFC 6750 §3.1).
    const joined = await app.request("/docs", bearer("sk_reader, Bearer sk_admin"));
    expect(joined.status).toBe(400);
    expect((await joined.json()).code).toBe("DUPLICATE_KEY");
    expect(seen).toHaveLength(0);
    expect(unkeyFake.calls).toBe(2);
  });

  it("per-route unkey({ verifier, permissions }) shares one cache", async () => {
    const { unkeyFake, base, handler, app } = setup();
    const verifier = createVerifier(base);
    app.get("/read", unkey({ verifier, permissions: "docs.read" }), handler);
    app.get("/write", unkey({ verifier, permissions: "docs.write OR admin" }), handler);
    expect((await app.request("/read", bearer("sk_reader"))).status).toBe(200);
    const write = await app.request("/write", bearer("sk_reader"));
    expect(write.status).toBe(403);
    expect((await write.json()).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(unkeyFake.calls).toBe(1);
    expect(unkey({ verifier }).verifier).toBe(verifier);
  });

  it("requirePermissions checks the verified key locally: no second upstream call", async () => {
    const { unkeyFake, base, handler, seen, app } = setup();
    app.use(unkey(base));
    app.get("/read", requirePermissions("docs.read"), handler);
    app.get("/grouped", requirePermissions("(docs.read AND docs.write) OR admin"), handler);
    expect((await app.request("/read", bearer("sk_reader"))).status).toBe(200);
    const refused = await app.request("/grouped", bearer("sk_reader"));
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect((await app.request("/grouped", bearer("sk_admin"))).status).toBe(200);
    expect(unkeyFake.calls).toBe(2);
    expect(unkeyFake.bodies.every((body) => body.permissions === undefined)).toBe(true);
    expect(seen.map((context) => context?.keyId)).toEqual(["key_reader", "key_admin"]);
  });

  it("requirePermissions without an earlier unkey() is the server's mistake: 500 GUARD_MISSING, never 401", async () => {
    const { handler, seen, app } = setup();
    app.get("/read", requirePermissions("docs.read"), handler);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await app.request("/read?api_key=sk_in_query", bearer("sk_reader"));
    await app.request("/read", bearer("sk_reader"));
    // The client sent its key: a 401 "no API key was presented" would send it looking for a fault in it.
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const body = await res.json();
    expect(body).toMatchObject({ status: 500, code: "GUARD_MISSING" });
    expect(body.detail).toContain("Put unkey() before requirePermissions()");
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(seen).toHaveLength(0);
    // Said once, server-side, naming the route (no query) and the fix, never the key.
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).toMatch(
      /GET \/read: requirePermissions\("docs.read"\).*no unkey\(\) verified.*before it/,
    );
    expect(line).not.toContain("sk_reader");
    expect(line).not.toContain("sk_in_query");
    error.mockRestore();
  });

  it("a CORS preflight unkey() let through keyless is still the client's 401 at requirePermissions, unlogged", async () => {
    const { base, handler, app } = setup();
    app.use(unkey(base));
    app.options("/read", requirePermissions("docs.read"), handler);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await app.request("/read", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "DELETE" },
    });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe("MISSING_KEY");
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });

  it("getKey replaces keySources; a throwing getKey reaches app.onError, never the handler", async () => {
    const { unkeyFake, base, handler, seen, errors, app } = setup();
    app.get("/query", unkey({ ...base, getKey: (c) => c.req.query("token") }), handler);
    app.get("/async", unkey({ ...base, getKey: async (c) => c.req.header("x-token") }), handler);
    const throwing = unkey({
      ...base,
      getKey: () => {
        throw new Error("boom");
      },
    });
    app.get("/throws", throwing, handler);
    expect((await app.request("/query?token=sk_reader")).status).toBe(200);
    const ignored = await app.request("/query", bearer("sk_reader"));
    expect((await ignored.json()).code).toBe("MISSING_KEY");
    const viaHeader = await app.request("/async", { headers: { "x-token": "sk_admin" } });
    expect((await viaHeader.json()).keyId).toBe("key_admin");
    expect((await app.request("/throws", bearer("sk_reader"))).status).toBe(599);
    expect((errors[0] as Error).message).toBe("boom");
    expect(seen).toHaveLength(2);
    expect(unkeyFake.calls).toBe(2);
  });

  it("skip lets matching requests through unverified; a throwing skip reaches app.onError", async () => {
    const { unkeyFake, base, handler, errors, app } = setup();
    app.use(
      unkey({
        ...base,
        skip: (c) => {
          if (c.req.path === "/explode") throw new Error("skip failed");
          return c.req.path === "/health";
        },
      }),
    );
    app.get("/health", handler);
    app.get("/explode", handler);
    expect(await (await app.request("/health")).json()).toEqual({ keyId: null, source: null });
    expect((await app.request("/explode")).status).toBe(599);
    expect(errors).toHaveLength(1);
    expect(unkeyFake.calls).toBe(0);
  });

  it("onDenied returns its own Response", async () => {
    const { base, handler, app } = setup();
    app.use(
      unkey({
        ...base,
        onDenied: (decision, c) => c.json({ message: `denied: ${decision.code}` }, 401),
      }),
    );
    app.get("/docs", handler);
    const res = await app.request("/docs");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: "denied: MISSING_KEY" });
  });

  it("an outage is 503 VERIFIER_UNAVAILABLE with Retry-After by default (fail-closed)", async () => {
    const { unkeyFake, base, handler, seen, app } = setup();
    unkeyFake.down = true;
    app.use(unkey(base));
    app.get("/docs", handler);
    const res = await app.request("/docs", bearer("sk_reader"));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await res.json()).code).toBe("VERIFIER_UNAVAILABLE");
    expect(seen).toHaveLength(0);
  });

  it('onError: "throw" hands the VerifierError to app.onError; a function answers itself', async () => {
    const { unkeyFake, base, handler, errors, app } = setup();
    unkeyFake.down = true;
    app.get("/thrown", unkey({ ...base, onError: "throw" }), handler);
    app.get(
      "/handled",
      unkey({ ...base, onError: (error, c) => c.json({ code: error.code }, 502) }),
      handler,
    );
    const thrown = await app.request("/thrown", bearer("sk_reader"));
    expect(thrown.status).toBe(599);
    expect(await thrown.json()).toEqual({ error: "VerifierError", code: "VERIFIER_UNAVAILABLE" });
    expect(errors[0]).toBeInstanceOf(VerifierError);
    const handled = await app.request("/handled", bearer("sk_reader"));
    expect(handled.status).toBe(502);
    expect(await handled.json()).toEqual({ code: "VERIFIER_UNAVAILABLE" });
    // Denials that are not verifier failures are still answered directly.
    expect((await app.request("/thrown")).status).toBe(401);
  });

  it("fail-open lets the request in, flagged; requirePermissions still refuses without the flag", async () => {
    const { unkeyFake, base, handler, seen, app } = setup();
    unkeyFake.down = true;
    app.use(unkey({ ...base, failureMode: "open" }));
    app.get("/docs", handler);
    app.get("/admin", requirePermissions("admin"), handler);
    const open = await app.request("/docs", bearer("sk_reader"));
    expect(open.status).toBe(200);
    expect(open.headers.get("x-keyguard-fail-open")).toBe("true");
    expect(seen[0]?.source).toBe("fail-open");
    const admin = await app.request("/admin", bearer("sk_reader"));
    expect(admin.status).toBe(503);
    expect(admin.headers.get("x-keyguard-fail-open")).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it("allow headers land on a Response the handler built itself", async () => {
    const { unkeyFake, base, app } = setup();
    unkeyFake.down = true;
    app.use(unkey({ ...base, failureMode: "open" }));
    app.get("/raw", () => new Response("raw", { status: 200 }));
    const res = await app.request("/raw", bearer("sk_reader"));
    expect(await res.text()).toBe("raw");
    expect(res.headers.get("x-keyguard-fail-open")).toBe("true");
  });

  it("CORS preflights pass unguarded by default; other OPTIONS requests are guarded", async () => {
    const { unkeyFake, base, app } = setup();
    app.use(unkey(base));
    app.options("/docs", (c) => c.body(null, 204));
    const preflight = await app.request("/docs", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect((await app.request("/docs", { method: "OPTIONS" })).status).toBe(401);
    expect(unkeyFake.calls).toBe(0);
  });
});

describe("unkey() on @hono/node-server", () => {
  it("guards real HTTP requests and refuses two Authorization headers sent as two lines", async () => {
    const { unkeyFake, base, handler, seen, app } = setup();
    app.use(unkey(base));
    app.get("/docs", handler);
    const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
      (resolve) => {
        const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
          resolve({ server: started, port: (info as AddressInfo).port }),
        );
      },
    );
    const get = (headers: string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            path: "/docs",
            headers: ["host", `127.0.0.1:${port}`, ...headers],
            agent: false,
          },
          (res) => {
            let body = "";
            res.on("data", (chunk) => {
              body += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    try {
      const ok = await get(["authorization", "Bearer sk_reader"]);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ keyId: "key_reader", source: "upstream" });
      const twice = await get([
        "authorization",
        "Bearer sk_reader",
        "authorization",
        "Bearer sk_admin",
      ]);
      expect(twice.status).toBe(400);
      expect(JSON.parse(twice.body).code).toBe("DUPLICATE_KEY");
      expect(seen).toHaveLength(1);
      expect(unkeyFake.calls).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("unkey() reading Node's headers (c.env.incoming)", () => {
  const incoming = (method: string, rawHeaders: string[]) => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < rawHeaders.length; i += 2) {
      // Node keeps the first Authorization of a pair, as its parser does.
      headers[(rawHeaders[i] as string).toLowerCase()] ??= rawHeaders[i + 1] as string;
    }
    return { incoming: { method, headers, rawHeaders } };
  };
  const guarded = () => {
    const parts = setup();
    parts.app.use(unkey(parts.base));
    parts.app.get("/docs", parts.handler);
    return parts;
  };

  it("an env.incoming that is not the request's own (a sub-request) is ignored: its own key is verified", async () => {
    const { unkeyFake, app } = guarded();
    const res = await app.request(
      "/docs",
      bearer("sk_reader"),
      incoming("GET", ["Host", "x", "Authorization", "Bearer sk_admin"]),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keyId: "key_reader", source: "upstream" });
    expect(unkeyFake.calls).toBe(1);
  });

  it("a key-less sub-request is refused even when the outer request carried a key", async () => {
    const { unkeyFake, seen, app } = guarded();
    const res = await app.request(
      "/docs",
      {},
      incoming("GET", ["Authorization", "Bearer sk_reader"]),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "MISSING_KEY" });
    expect(seen).toHaveLength(0);
    expect(unkeyFake.calls).toBe(0);
  });

  it("ignores an env.incoming that is not this request's and reads the request itself", async () => {
    const { app } = guarded();
    const res = await app.request(
      "/docs",
      bearer("sk_reader"),
      incoming("POST", ["Authorization", "Bearer sk_admin"]),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keyId: "key_reader", source: "upstream" });
    const noHeaders = await app.request("/docs", bearer("sk_reader"), {
      incoming: { method: "GET" },
    });
    expect(noHeaders.status).toBe(200);
  });
});

describe("start-up", () => {
  it("unkey() without a root key fails at creation, naming rootKey", () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "");
    expect(() => unkey()).toThrow(KeyguardConfigError);
    expect(() => unkey()).toThrow(/rootKey/);
  });

  it("unkey() reads UNKEY_ROOT_KEY", () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "unkey_root_env");
    expect(typeof unkey()).toBe("function");
  });

  it.each([
    [{ getKey: "authorization" }, "getKey"],
    [{ skip: true }, "skip"],
    [{ onDenied: 1 }, "onDenied"],
    [{ onError: "next" }, "onError"],
    [{ permissions: "(a" }, "permissions"],
    [{ tags: "x" }, "tags"],
    [{ preflight: "deny" }, "preflight"],
  ])("rejects bad option %j, naming %s", (bad, option) => {
    const create = () => unkey({ rootKey: "unkey_root_test", ...(bad as UnkeyHonoOptions) });
    expect(create).toThrow(KeyguardConfigError);
    try {
      create();
    } catch (error) {
      expect((error as KeyguardConfigError).option).toBe(option);
    }
  });

  it("requirePermissions rejects a malformed query at creation", () => {
    expect(() => requirePermissions("a AND ()")).toThrow(KeyguardConfigError);
  });

  it("imports nothing from node: (runs on Workers, Deno and Bun)", async () => {
    const { readFile, readdir } = await import("node:fs/promises");
    const dir = new URL("../src/", import.meta.url);
    for (const file of await readdir(dir, { recursive: true })) {
      if (!file.endsWith(".ts")) continue;
      const source = await readFile(new URL(file, dir), "utf8");
      expect(source, file).not.toMatch(/from\s+["']node:/);
    }
  });
});
