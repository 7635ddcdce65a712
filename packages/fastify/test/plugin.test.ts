import { request as httpRequest } from "node:http";
import { type KeyContext, KeyguardConfigError } from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import keyguardDefault, { type KeyguardFastifyOptions, keyguard } from "../src/index";

const ROOT_KEY = "unkey_root_test";

function keys() {
  return fakeUnkey({
    sk_read: { keyId: "key_read", permissions: ["docs.read"], meta: { plan: "free" } },
    sk_rw: { keyId: "key_rw", permissions: ["docs.read", "docs.write"] },
    sk_credits: { keyId: "key_credits", credits: 2 },
    sk_disabled: { keyId: "key_disabled", code: "DISABLED" },
  });
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app guarded at the root, with one route per guard shape; counts handler runs. */
async function build(upstream = keys(), extra: Partial<KeyguardFastifyOptions> = {}) {
  const handled = { count: 0 };
  const reply = (route: string) => (request: { unkey?: KeyContext | undefined }) => {
    handled.count++;
    return { route, unkey: request.unkey };
  };
  app = Fastify();
  await app.register(keyguard, { rootKey: ROOT_KEY, fetch: upstream.fetch, ...extra });
  app.get("/public", { config: { unkey: { public: true } } }, reply("/public"));
  app.get("/protected", reply("/protected"));
  app.get("/read", { config: { unkey: { permissions: "docs.read" } } }, reply("/read"));
  app.get("/write", { config: { unkey: { permissions: "docs.write" } } }, reply("/write"));
  app.get("/metered", { config: { unkey: { cost: 1 } } }, reply("/metered"));
  await app.ready();
  return { app, upstream, handled };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("@keyguard/fastify plugin", () => {
  it("is a fastify-plugin named @keyguard/fastify, exported named and default", () => {
    expect(keyguardDefault).toBe(keyguard);
    const meta = (keyguard as unknown as Record<symbol, { name: string; fastify: string }>)[
      Symbol.for("plugin-meta")
    ];
    expect(meta).toMatchObject({ name: "@keyguard/fastify", fastify: "5.x" });
  });

  it("refuses a request without a key with 401 problem+json, before the handler and without Unkey", async () => {
    const { app, upstream, handled } = await build();
    const response = await app.inject({ method: "GET", url: "/protected" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="api"');
    expect(response.json()).toMatchObject({ status: 401, code: "MISSING_KEY" });
    expect(handled.count).toBe(0);
    expect(upstream.calls).toBe(0);
  });

  it("lets a valid key in, sets request.unkey, and serves the next request from the cache", async () => {
    const { app, upstream } = await build();
    const first = await app.inject({ url: "/protected", headers: bearer("sk_read") });
    expect(first.statusCode).toBe(200);
    expect(first.json().unkey).toMatchObject({
      keyId: "key_read",
      permissions: ["docs.read"],
      meta: { plan: "free" },
      source: "upstream",
    });
    const second = await app.inject({ url: "/read", headers: { "x-api-key": "sk_read" } });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ route: "/read", unkey: { source: "cache" } });
    expect(upstream.calls).toBe(1);
  });

  it("evaluates per-route permissions against the cached key: 403 on /write", async () => {
    const { app, upstream, handled } = await build();
    expect((await app.inject({ url: "/read", headers: bearer("sk_read") })).statusCode).toBe(200);
    const denied = await app.inject({ url: "/write", headers: bearer("sk_read") });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe("INSUFFICIENT_PERMISSIONS");
    // RFC 6750 §3.1: insufficient_scope, with what the route's query names.
    expect(denied.headers["www-authenticate"]).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="docs.write"',
    );
    expect(handled.count).toBe(1);
    expect(upstream.calls).toBe(1);
    const allowed = await app.inject({ url: "/write", headers: bearer("sk_rw") });
    expect(allowed.json().unkey.keyId).toBe("key_rw");
  });

  it("never verifies a public route and leaves request.unkey undefined", async () => {
    const { app, upstream } = await build();
    const response = await app.inject({ url: "/public", headers: bearer("sk_read") });
    expect(response.statusCode).toBe(200);
    // undefined, as everywhere else (JSON leaves it out): never null.
    expect(response.json()).toEqual({ route: "/public" });
    expect(upstream.calls).toBe(0);
  });

  it("sends every request of a route with a cost to Unkey, and 429s when credits run out", async () => {
    const { app, upstream } = await build();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await app.inject({ url: "/metered", headers: bearer("sk_credits") })).statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(upstream.calls).toBe(3);
    expect(upstream.lastBody).toMatchObject({ credits: { cost: 1 } });
  });

  it("answers 401 DISABLED with an invalid_token challenge and Unkey's request id", async () => {
    const { app } = await build();
    const response = await app.inject({ url: "/protected", headers: bearer("sk_disabled") });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="api", error="invalid_token"');
    expect(response.json()).toMatchObject({ code: "DISABLED", requestId: "req_1" });
    expect(response.body).not.toContain("sk_disabled");
  });

  it("refuses in onRequest, before the body is parsed", async () => {
    const parse = vi.fn((_request, body: string, done: (error: null, value: unknown) => void) =>
      done(null, body),
    );
    app = Fastify();
    app.addContentTypeParser("text/plain", { parseAs: "string" }, parse);
    await app.register(keyguard, { rootKey: ROOT_KEY, fetch: keys().fetch });
    app.post("/upload", () => "ok");
    const upload = { method: "POST", url: "/upload", payload: "x" } as const;
    const denied = await app.inject({ ...upload, headers: { "content-type": "text/plain" } });
    expect(denied.statusCode).toBe(401);
    expect(parse).not.toHaveBeenCalled();
    const allowed = await app.inject({
      ...upload,
      headers: { "content-type": "text/plain", ...bearer("sk_read") },
    });
    expect(allowed.statusCode).toBe(200);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it("answers 503 with Retry-After when Unkey is down, and calls onError first", async () => {
    const upstream = keys();
    upstream.down = true;
    const onError = vi.fn();
    const { app } = await build(upstream, { onError });
    const response = await app.inject({ url: "/protected", headers: bearer("sk_read") });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe("VERIFIER_UNAVAILABLE");
    expect(response.headers["retry-after"]).toBeDefined();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
  });

  it("lets requests through flagged under failureMode open, never on a permission route", async () => {
    const upstream = keys();
    upstream.down = true;
    const { app } = await build(upstream, { failureMode: "open" });
    const open = await app.inject({ url: "/protected", headers: bearer("sk_read") });
    expect(open.statusCode).toBe(200);
    expect(open.headers["x-keyguard-fail-open"]).toBe("true");
    expect(open.json().unkey.source).toBe("fail-open");
    expect((await app.inject({ url: "/read", headers: bearer("sk_read") })).statusCode).toBe(503);
  });

  it("lets onDenied write the denial, and falls back to the default when it sends nothing", async () => {
    const onDenied = vi.fn((decision, request, reply) => {
      if (request.url === "/read") reply.code(decision.status).send({ custom: decision.code });
    });
    const { app } = await build(keys(), { onDenied });
    const custom = await app.inject({ url: "/read" });
    expect(custom.statusCode).toBe(401);
    expect(custom.json()).toEqual({ custom: "MISSING_KEY" });
    const fallback = await app.inject({ url: "/protected" });
    expect(fallback.json().code).toBe("MISSING_KEY");
    expect(onDenied).toHaveBeenCalledTimes(2);
  });

  it("uses getKey instead of the key sources, and skip to bypass the guard", async () => {
    const { app, upstream } = await build(keys(), {
      getKey: (request) => (request.query as { token?: string }).token,
      skip: (request) => request.url.startsWith("/protected?health"),
    });
    expect((await app.inject({ url: "/read?token=sk_read" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/read", headers: bearer("sk_read") })).json().code).toBe(
      "MISSING_KEY",
    );
    const skipped = await app.inject({ url: "/protected?health=1" });
    expect(skipped.json()).toEqual({ route: "/protected" });
    expect(upstream.calls).toBe(1);
  });

  it("guards only the scope it is registered in", async () => {
    const upstream = keys();
    app = Fastify();
    await app.register(
      async (scope) => {
        await scope.register(keyguard, { rootKey: ROOT_KEY, fetch: upstream.fetch });
        scope.get("/docs", (request) => ({ unkey: request.unkey?.keyId }));
      },
      { prefix: "/api" },
    );
    await app.register(
      async (sibling) => {
        sibling.get("/docs", (request) => ({ unkey: request.unkey ?? "none" }));
      },
      { prefix: "/open" },
    );
    app.get("/root", () => "root");
    expect((await app.inject({ url: "/api/docs" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/api/docs", headers: bearer("sk_rw") })).json()).toEqual({
      unkey: "key_rw",
    });
    const sibling = await app.inject({ url: "/open/docs" });
    expect(sibling.statusCode).toBe(200);
    expect(sibling.json()).toEqual({ unkey: "none" });
    expect((await app.inject({ url: "/root" })).statusCode).toBe(200);
    expect(upstream.calls).toBe(1);
  });

  it("can be registered in two sibling scopes with different options", async () => {
    const upstream = keys();
    app = Fastify();
    for (const [prefix, permissions] of [
      ["/reader", "docs.read"],
      ["/writer", "docs.write"],
    ] as const) {
      await app.register(
        async (scope) => {
          await scope.register(keyguard, { rootKey: ROOT_KEY, fetch: upstream.fetch, permissions });
          scope.get("/", (request) => ({ unkey: request.unkey?.keyId }));
        },
        { prefix },
      );
    }
    expect((await app.inject({ url: "/reader", headers: bearer("sk_read") })).statusCode).toBe(200);
    expect((await app.inject({ url: "/writer", headers: bearer("sk_read") })).statusCode).toBe(403);
  });

  it("guards a route declared before the plugin was loaded, compiling its options then", async () => {
    const upstream = keys();
    app = Fastify();
    app.get("/early", { config: { unkey: { permissions: "docs.write" } } }, () => "early");
    await app.register(keyguard, { rootKey: ROOT_KEY, fetch: upstream.fetch });
    expect((await app.inject({ url: "/early", headers: bearer("sk_read") })).statusCode).toBe(403);
    expect((await app.inject({ url: "/early", headers: bearer("sk_rw") })).statusCode).toBe(200);
  });

  it("names an early route's bad options by its pattern, never its URL (which may carry a key)", async () => {
    const upstream = keys();
    app = Fastify();
    app.get("/early-bad", { config: { unkey: { permissions: "docs.read AND" } } }, () => "never");
    await app.register(keyguard, {
      rootKey: ROOT_KEY,
      fetch: upstream.fetch,
      keySources: [{ query: "api_key" }],
    });
    const response = await app.inject({ url: "/early-bad?api_key=sk_secret_in_query" });
    expect(response.statusCode).toBe(500);
    expect(response.body).toContain(
      "route GET /early-bad: invalid option `config.unkey.permissions`",
    );
    expect(response.body).not.toContain("sk_secret_in_query");
    expect(upstream.calls).toBe(0);
  });

  it("fails at start-up on a bad route permission query, naming the route and option", async () => {
    app = Fastify();
    await app.register(keyguard, { rootKey: ROOT_KEY, fetch: keys().fetch });
    let thrown: unknown;
    try {
      app.get("/bad", { config: { unkey: { permissions: "docs.read AND" } } }, () => "never");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeyguardConfigError);
    // The option is the option's own path; the route is named apart (issue 29, item 6).
    expect(thrown).toMatchObject({ option: "config.unkey.permissions", at: "route GET /bad" });
  });

  it("rejects unknown route options and a non-boolean public at start-up", async () => {
    app = Fastify();
    await app.register(keyguard, { rootKey: ROOT_KEY, fetch: keys().fetch });
    const config = { unkey: { permission: "docs.read" } } as never;
    expect(() => app?.get("/typo", { config }, () => "never")).toThrow(
      /config\.unkey\.permission`/,
    );
    const pub = { unkey: { public: "yes" } } as never;
    expect(() => app?.get("/pub", { config: pub }, () => "never")).toThrow(/config\.unkey\.public/);
  });

  it("rejects bad plugin options at registration, naming the option", async () => {
    for (const [options, option] of [
      [{ rootKey: ROOT_KEY, getKey: "x-api-key" }, "getKey"],
      [{ rootKey: ROOT_KEY, skip: true }, "skip"],
      [{ rootKey: ROOT_KEY, permissions: "(a" }, "permissions"],
      [{ rootKey: ROOT_KEY, cost: -1 }, "cost"],
    ] as const) {
      const instance = Fastify();
      await expect(instance.register(keyguard, options as never)).rejects.toMatchObject({
        option,
      });
      await instance.close();
    }
  });

  it("refuses a duplicated Authorization header over real HTTP (rawHeaders)", async () => {
    const { app, upstream } = await build();
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const ok = await fetch(`${url}/protected`, { headers: bearer("sk_rw") });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { unkey: KeyContext }).unkey.keyId).toBe("key_rw");
    const duplicated = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/protected`);
      req.setHeader("authorization", ["Bearer sk_rw", "Bearer sk_read"]);
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(duplicated.status).toBe(400);
    expect(JSON.parse(duplicated.body).code).toBe("DUPLICATE_KEY");
    expect(upstream.calls).toBe(1);
  });
});
