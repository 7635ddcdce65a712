import { fakeUnkey } from "@keyguard/test-support";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type KeyguardFastifyOptions, keyguard, UnkeyDeniedError } from "../src/index";

// Decorate-only mode (`addHook: false`): keyguard runs only where a route calls verifyUnkey.
// A route whose config.unkey asks for a key but on whose request verifyUnkey never ran
// must answer 500 GUARD_MISSING, never be served to anyone (attacker review, round 4, F4).
const KEYS = { sk_admin: { keyId: "key_admin", permissions: ["admin"] } };
const ADMIN = { authorization: "Bearer sk_admin" };
const asksForAdmin = { config: { unkey: { permissions: "admin" } } };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app with a decorate-only keyguard, its log lines, and the handler calls it counts. */
async function decorateOnly(
  routes: (app: FastifyInstance, handler: () => string) => void,
  options: Partial<KeyguardFastifyOptions> = {},
  awaitPlugin = true,
) {
  const upstream = fakeUnkey(KEYS);
  const logged: string[] = [];
  const handler = vi.fn(() => "served");
  app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    const denial = error instanceof UnkeyDeniedError ? error.decision : undefined;
    if (denial) return reply.code(denial.status).headers(denial.headers).send(denial.body);
    return reply.code(500).send({ code: "UNEXPECTED" });
  });
  const registered = app.register(keyguard, {
    rootKey: "unkey_root_test",
    fetch: upstream.fetch,
    addHook: false,
    logger: { warn: (line) => logged.push(line), error: (line) => logged.push(line) },
    ...options,
  });
  if (awaitPlugin) await registered;
  routes(app, handler);
  await app.ready();
  return { app, upstream, logged, handler };
}

/** What an `@fastify/auth` strategy, or any user hook, does: calls verifyUnkey inside. */
function strategy(instance: FastifyInstance) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await instance.verifyUnkey(request, reply);
  };
}

/** A hook declared before the plugin loaded: it finds verifyUnkey on the instance per request. */
function lazily(instance: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply) => instance.verifyUnkey(request, reply);
}

function expectGuardMissing(response: Awaited<ReturnType<FastifyInstance["inject"]>>) {
  expect(response.statusCode).toBe(500);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status: 500, code: "GUARD_MISSING" });
}

describe("decorate-only: a route that asks for a key where verifyUnkey never ran", () => {
  it("answers 500 GUARD_MISSING, never runs the handler, logs once naming the route", async () => {
    const { app, upstream, logged, handler } = await decorateOnly((app, handler) => {
      app.get("/admin", asksForAdmin, handler);
    });
    const keyless = await app.inject({ url: "/admin" });
    const keyed = await app.inject({ url: "/admin?api_key=sk_admin", headers: ADMIN });
    const head = await app.inject({ method: "HEAD", url: "/admin" });
    expectGuardMissing(keyless);
    expectGuardMissing(keyed);
    expect(head.statusCode).toBe(500);
    expect(keyless.json().detail).toMatch(/verifyUnkey/);
    expect(handler).not.toHaveBeenCalled();
    expect(upstream.calls).toBe(0);
    // One line for GET /admin, one for the HEAD route Fastify adds beside it.
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/GET \/admin: config\.unkey .*verifyUnkey.*500 GUARD_MISSING/);
    expect(logged.join("\n")).not.toContain("sk_admin");
  });

  it("also when the route was declared before the plugin loaded (a non-awaited register)", async () => {
    const { app, logged, handler } = await decorateOnly(
      (app, handler) => app.delete("/admin", asksForAdmin, handler),
      {},
      false,
    );
    const first = await app.inject({ method: "DELETE", url: "/admin", headers: ADMIN });
    await app.inject({ method: "DELETE", url: "/admin" });
    expectGuardMissing(first);
    expect(handler).not.toHaveBeenCalled();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/DELETE \/admin: config\.unkey .*before the keyguard plugin/);
  });

  it("declared before the plugin loaded, verifyUnkey in its onRequest is seen; in its preHandler it comes too late", async () => {
    const { app, handler } = await decorateOnly(
      (app, handler) => {
        app.get("/early-on-request", { ...asksForAdmin, onRequest: lazily(app) }, handler);
        app.get("/early-pre-handler", { ...asksForAdmin, preHandler: lazily(app) }, handler);
      },
      {},
      false,
    );
    expect((await app.inject({ url: "/early-on-request" })).statusCode).toBe(401);
    const served = await app.inject({ url: "/early-on-request", headers: ADMIN });
    expect(served.statusCode).toBe(200);
    expectGuardMissing(await app.inject({ url: "/early-pre-handler", headers: ADMIN }));
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("a config.unkey with only a cost asks for a key too; public routes and routes without config.unkey stay open", async () => {
    const { app, handler } = await decorateOnly((app, handler) => {
      app.post("/export", { config: { unkey: { cost: 5 } } }, handler);
      app.get("/health", { config: { unkey: { public: true } } }, handler);
      app.get("/open", handler);
    });
    expectGuardMissing(await app.inject({ method: "POST", url: "/export" }));
    expect(handler).not.toHaveBeenCalled();
    expect((await app.inject({ url: "/health" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/open" })).statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(2);
  });
});

describe("decorate-only: verifyUnkey called from the user's own function (@fastify/auth style)", () => {
  it.each(["onRequest", "preHandler"] as const)(
    "in %s: a missing key is refused, a good one reaches the handler",
    async (phase) => {
      const { app, logged, handler } = await decorateOnly((app, handler) => {
        app.get("/admin", { ...asksForAdmin, [phase]: strategy(app) }, handler);
      });
      const keyless = await app.inject({ url: "/admin" });
      expect(keyless.statusCode).toBe(401);
      expect(keyless.json()).toMatchObject({ code: "MISSING_KEY" });
      const keyed = await app.inject({ url: "/admin", headers: ADMIN });
      expect(keyed.statusCode).toBe(200);
      expect(keyed.body).toBe("served");
      expect(handler).toHaveBeenCalledTimes(1);
      expect(logged).toEqual([]);
    },
  );

  it("a callback-style hook that calls verifyUnkey lazily, declared before the plugin, in a scope loaded after it", async () => {
    const { app, handler } = await decorateOnly(
      (app, handler) => {
        app.register(async (scope) => {
          const hook = (
            request: FastifyRequest,
            reply: FastifyReply,
            done: HookHandlerDoneFunction,
          ) => {
            scope.verifyUnkey(request, reply).then(() => done(), done);
          };
          scope.get("/admin", { ...asksForAdmin, preHandler: [hook] }, handler);
        });
      },
      {},
      false,
    );
    expect((await app.inject({ url: "/admin" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/admin", headers: ADMIN })).statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("a denial the user's strategy catches (another strategy's turn, as `relation: 'or'`) reaches the handler: verifyUnkey ran", async () => {
    const { app, handler } = await decorateOnly((app, handler) => {
      const keyOrSession = async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          await app.verifyUnkey(request, reply);
        } catch (error) {
          if (request.headers.cookie !== "session=ok") throw error;
        }
      };
      app.get("/admin", { ...asksForAdmin, onRequest: keyOrSession }, handler);
    });
    expect((await app.inject({ url: "/admin" })).statusCode).toBe(401);
    const session = await app.inject({ url: "/admin", headers: { cookie: "session=ok" } });
    expect(session.statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("a request skip() lets through reaches the handler: verifyUnkey ran and chose to", async () => {
    const { app, upstream, handler } = await decorateOnly(
      (app, handler) => app.get("/admin", { ...asksForAdmin, onRequest: strategy(app) }, handler),
      { skip: (request) => request.headers["x-internal"] === "yes" },
    );
    const skipped = await app.inject({ url: "/admin", headers: { "x-internal": "yes" } });
    expect(skipped.statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(upstream.calls).toBe(0);
  });

  it("a strategy that forgets to await verifyUnkey never lets the handler run first", async () => {
    const { app, handler } = await decorateOnly((app, handler) => {
      const forgetful = async (request: FastifyRequest, reply: FastifyReply) => {
        app.verifyUnkey(request, reply).catch(() => {});
      };
      app.get("/admin", { ...asksForAdmin, onRequest: forgetful }, handler);
    });
    expectGuardMissing(await app.inject({ url: "/admin", headers: ADMIN }));
    expect(handler).not.toHaveBeenCalled();
  });
});

describe("decorate-only inside an app-wide keyguard", () => {
  it("a route the app-wide plugin guards needs no verifyUnkey: its preflights and skips pass too", async () => {
    const upstream = fakeUnkey(KEYS);
    const handler = vi.fn(() => "served");
    app = Fastify();
    await app.register(keyguard, {
      rootKey: "unkey_root_test",
      fetch: upstream.fetch,
      skip: (request) => request.headers["x-internal"] === "yes",
    });
    await app.register(async (scope) => {
      await scope.register(keyguard, {
        rootKey: "unkey_root_test",
        fetch: upstream.fetch,
        addHook: false,
      });
      const config = { unkey: { tags: ["docs"] } };
      scope.route({ method: ["GET", "OPTIONS"], url: "/docs", config, handler });
    });
    await app.ready();
    expect((await app.inject({ url: "/docs" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/docs", headers: ADMIN })).statusCode).toBe(200);
    const skipped = await app.inject({ url: "/docs", headers: { "x-internal": "yes" } });
    expect(skipped.statusCode).toBe(200);
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/docs",
      headers: { origin: "https://a.example", "access-control-request-method": "GET" },
    });
    expect(preflight.statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(3);
  });
});
