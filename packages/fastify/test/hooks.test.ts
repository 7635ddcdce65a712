import { KeyguardConfigError } from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { type KeyguardFastifyOptions, keyguard } from "../src/index";

// The one hook contract: sync or async, and a throw or rejection from any hook reaches
// Fastify's error handler on the cache-hit and the cache-miss path alike: never a pass.
const KEYS = { sk_read: { keyId: "key_read", permissions: ["docs.read"] } };

const fail = (): never => {
  throw new Error("hook failed");
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(hooks: Partial<KeyguardFastifyOptions>) {
  const upstream = fakeUnkey(KEYS);
  const state = { handled: 0, errors: [] as Error[] };
  app = Fastify();
  app.setErrorHandler((error: Error, _request, reply) => {
    state.errors.push(error);
    reply.code(500).send({ code: "HOOK_FAILED" });
  });
  await app.register(keyguard, { rootKey: "unkey_root_test", fetch: upstream.fetch, ...hooks });
  app.all("/docs", (request) => {
    state.handled++;
    return { unkey: request.unkey };
  });
  await app.ready();
  return { app, upstream, state };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("hooks", () => {
  it("an async skip that resolves false still guards the route", async () => {
    const { app, state } = await build({ skip: async () => false });
    const response = await app.inject({ url: "/docs" });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("MISSING_KEY");
    expect(state.handled).toBe(0);
  });

  it("an async skip that resolves true skips the guard, with request.unkey undefined", async () => {
    const { app, upstream } = await build({ skip: async () => true });
    const response = await app.inject({ url: "/docs" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({});
    expect(upstream.calls).toBe(0);
  });

  it("a skip that returns a non-boolean reaches the error handler naming the hook, never a pass", async () => {
    const { app, state } = await build({ skip: (() => "yes") as never });
    expect((await app.inject({ url: "/docs" })).statusCode).toBe(500);
    expect(state.handled).toBe(0);
    expect(state.errors[0]?.message).toBe(
      "`skip` must return a boolean (or a promise of one), got string.",
    );
  });

  it("a rejecting skip reaches the error handler, never a pass", async () => {
    const { app, state } = await build({ skip: async () => fail() });
    expect((await app.inject({ url: "/docs" })).statusCode).toBe(500);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
  });

  it("an async getKey is awaited: the key it resolves is verified", async () => {
    const { app, upstream } = await build({
      getKey: async (request) => request.headers["x-token"] as string | undefined,
    });
    const response = await app.inject({ url: "/docs", headers: { "x-token": "sk_read" } });
    expect(response.statusCode).toBe(200);
    expect(response.json().unkey.keyId).toBe("key_read");
    expect(upstream.calls).toBe(1);
  });

  it("a rejecting async getKey reaches the error handler, never a pass", async () => {
    const { app, state } = await build({ getKey: async () => fail() });
    expect((await app.inject({ url: "/docs", headers: bearer("sk_read") })).statusCode).toBe(500);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
  });

  it("a throwing onDenied on a cache hit and on a cache miss reaches the error handler", async () => {
    const { app, state, upstream } = await build({ onDenied: fail });
    expect((await app.inject({ url: "/docs" })).statusCode).toBe(500);
    expect((await app.inject({ url: "/docs", headers: bearer("sk_x") })).statusCode).toBe(500);
    expect(upstream.calls).toBe(1);
    expect(state.errors.map((error) => error.message)).toEqual(["hook failed", "hook failed"]);
    expect(state.handled).toBe(0);
  });

  it("a rejecting onError on an outage reaches the error handler", async () => {
    const { app, state, upstream } = await build({ onError: async () => fail() });
    upstream.down = true;
    expect((await app.inject({ url: "/docs", headers: bearer("sk_read") })).statusCode).toBe(500);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
  });

  it("a CORS preflight reaches an app.all handler unguarded, with request.unkey undefined", async () => {
    const { app, upstream } = await build({});
    const response = await app.inject({
      method: "OPTIONS",
      url: "/docs",
      headers: { origin: "https://app.example", "access-control-request-method": "DELETE" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({});
    expect(upstream.calls).toBe(0);
  });
});

describe("unknown option names are refused at start-up, with the nearest valid one", () => {
  it.each([
    ["onDenid", "onDenied"],
    ["skipp", "skip"],
    ["getkey", "getKey"],
  ])("register(keyguard, { %s }) names it and suggests %s", async (typo, meant) => {
    const instance = Fastify();
    const options = { rootKey: "unkey_root_test", [typo]: () => true } as KeyguardFastifyOptions;
    const registered = instance.register(keyguard, options);
    await expect(registered).rejects.toBeInstanceOf(KeyguardConfigError);
    await expect(registered).rejects.toMatchObject({ option: typo });
    await expect(registered).rejects.toThrow(`did you mean \`${meant}\`?`);
    await instance.close();
  });

  it("Fastify's own register options (prefix, logLevel) are not refused", async () => {
    const instance = Fastify();
    await instance.register(keyguard, {
      rootKey: "unkey_root_test",
      logLevel: "warn",
      prefix: "/x",
    } as KeyguardFastifyOptions);
    await instance.close();
  });

  /** The plugin registered and the app not yet ready: routes may still be added. */
  async function registered() {
    app = Fastify();
    await app.register(keyguard, { rootKey: "unkey_root_test" });
    return app;
  }

  it("config.unkey: { public: true } beside a requirement is refused, naming the route", async () => {
    await registered();
    const config = { unkey: { public: true, permissions: "admin", cost: 5 } } as never;
    expect(() => app?.delete("/admin/users", { config }, () => "never")).toThrow(
      "route DELETE /admin/users: invalid option `config.unkey.public`: cannot stand beside permissions, cost",
    );
  });

  it("a route config.unkey typo names the route and suggests the nearest field", async () => {
    await registered();
    const config = { unkey: { permission: "docs.read" } } as never;
    expect(() => app?.get("/typo", { config }, () => "never")).toThrow(
      "route GET /typo: invalid option `config.unkey.permission`: unknown option; did you mean `config.unkey.permissions`?",
    );
  });
});
