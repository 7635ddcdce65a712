import { type Emulator, startEmulator } from "@keyguard/emulator";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identify, keyguardRatelimit } from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

let namespaces = 0;
async function loginApp() {
  const app = Fastify();
  await app.register(keyguardRatelimit, {
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    namespace: `fastify.ip.${++namespaces}`,
    limit: 3,
    duration: 60_000,
    identifier: identify.ip(),
  });
  app.post("/login", async () => ({ ok: true }));
  app.setErrorHandler((error: { code?: string }, _request, reply) => {
    reply.code(400).send({ code: error.code });
  });
  await app.ready();
  return app;
}

describe("keyguardRatelimit with identify.ip()", () => {
  it("limits an IPv6 client that rotates addresses within its /64", async () => {
    const app = await loginApp();
    const statuses = [];
    for (let i = 1; i <= 5; i++) {
      const reply = await app.inject({
        method: "POST",
        url: "/login",
        remoteAddress: `2001:db8:1:2::${i}`,
      });
      statuses.push(reply.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const other = await app.inject({ method: "POST", url: "/login", remoteAddress: "2001:db8::1" });
    expect(other.statusCode).toBe(200);
    await app.close();
  });

  it("never lets a request through without a usable address", async () => {
    const app = await loginApp();
    const reply = await app.inject({ method: "POST", url: "/login", remoteAddress: "nowhere" });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ code: "INVALID_RATELIMIT_IDENTIFIER" });
    await app.close();
  });
});
