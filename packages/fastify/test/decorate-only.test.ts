import { fakeUnkey } from "@keyguard/test-support";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { keyguard, UnkeyDeniedError } from "../src/index";

// `addHook: false` (as fastify-bearer-auth offers): no onRequest hook, only
// `app.verifyUnkey` for routes to opt in or for @fastify/auth to compose.
const KEYS = { sk_read: { keyId: "key_read", permissions: ["docs.read"] } };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build() {
  const upstream = fakeUnkey(KEYS);
  const errors: unknown[] = [];
  app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    errors.push(error);
    // The error carries the denial: an app may answer it as problem+json.
    const denial = error instanceof UnkeyDeniedError ? error.decision : undefined;
    if (denial) return reply.code(denial.status).headers(denial.headers).send(denial.body);
    return reply.code(500).send({ code: "UNEXPECTED" });
  });
  await app.register(keyguard, {
    rootKey: "unkey_root_test",
    fetch: upstream.fetch,
    addHook: false,
  });
  app.get("/open", (request) => ({ unkey: request.unkey }));
  app.get(
    "/docs",
    { onRequest: app.verifyUnkey, config: { unkey: { permissions: "docs.read" } } },
    (request) => ({ keyId: request.unkey?.keyId }),
  );
  app.get(
    "/admin",
    { onRequest: app.verifyUnkey, config: { unkey: { permissions: "admin" } } },
    () => "never",
  );
  await app.ready();
  return { app, upstream, errors };
}

describe("decorate-only mode (addHook: false)", () => {
  it("routes that opt in are guarded: a denial is thrown as an UnkeyDeniedError", async () => {
    const { app, errors } = await build();
    const missing = await app.inject({ url: "/docs" });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ code: "MISSING_KEY" });
    expect(errors[0]).toBeInstanceOf(UnkeyDeniedError);
    expect(errors[0]).toMatchObject({ statusCode: 401, code: "MISSING_KEY" });
    const forbidden = await app.inject({
      url: "/admin",
      headers: { authorization: "Bearer sk_read" },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it("an allowed request sets request.unkey and reaches the handler", async () => {
    const { app } = await build();
    const ok = await app.inject({ url: "/docs", headers: { authorization: "Bearer sk_read" } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ keyId: "key_read" });
  });

  it("routes that do not opt in are not guarded (as documented)", async () => {
    const { app, upstream } = await build();
    const open = await app.inject({ url: "/open" });
    expect(open.statusCode).toBe(200);
    expect(open.json()).toEqual({});
    expect(upstream.calls).toBe(0);
  });

  it("a non-boolean addHook is refused at start-up", async () => {
    const instance = Fastify();
    await expect(
      instance.register(keyguard, { rootKey: "unkey_root_test", addHook: "no" as never }),
    ).rejects.toMatchObject({ option: "addHook" });
    await instance.close();
  });
});
