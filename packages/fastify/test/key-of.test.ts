import { fakeUnkey } from "@keyguard/test-support";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { keyguard, keyOf } from "../src/index";

// The same contract as @keyguard/express and @keyguard/hono: `undefined` where no key was
// verified (never `null`), and keyOf() for handlers that know their route is guarded.
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build() {
  const upstream = fakeUnkey({ sk_read: { keyId: "key_read", permissions: ["docs.read"] } });
  app = Fastify();
  app.setErrorHandler((error: Error, _request, reply) => {
    reply.code(599).send({ error: error.name, message: error.message });
  });
  await app.register(keyguard, { rootKey: "unkey_root_test", fetch: upstream.fetch });
  const probe = (request: { unkey?: unknown }) => ({
    absent: request.unkey === undefined,
    isNull: request.unkey === null,
  });
  app.get("/public", { config: { unkey: { public: true } } }, probe);
  app.get("/who", { config: { unkey: { public: true } } }, (request) => ({
    keyId: keyOf(request).keyId,
  }));
  app.get("/me", (request) => ({ keyId: keyOf(request).keyId }));
  await app.ready();
  return app;
}

describe("request.unkey and keyOf(request)", () => {
  it("request.unkey is undefined, not null, where no key was verified", async () => {
    const app = await build();
    expect((await app.inject({ url: "/public" })).json()).toEqual({ absent: true, isNull: false });
  });

  it("keyOf(request) gives the verified key's context", async () => {
    const app = await build();
    const res = await app.inject({ url: "/me", headers: { authorization: "Bearer sk_read" } });
    expect(res.json()).toEqual({ keyId: "key_read" });
  });

  it("keyOf(request) on a route no key was verified for throws to the error handler, naming the route, never the query", async () => {
    const app = await build();
    const res = await app.inject({ url: "/who?api_key=sk_in_query" });
    expect(res.statusCode).toBe(599);
    expect(res.json().error).toBe("TypeError");
    expect(res.json().message).toContain("no key was verified for GET /who;");
    expect(res.body).not.toContain("sk_in_query");
  });
});
