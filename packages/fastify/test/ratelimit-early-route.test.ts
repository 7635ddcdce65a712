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

// A route declared before the plugin is never seen by its onRoute hook: its options are
// compiled on its first request, and an error names the route's pattern, not the URL (whose
// query may carry a key: attacker review).
describe("keyguardRatelimit on a route declared before it", () => {
  it("limits it with its own options", async () => {
    const app = Fastify();
    app.get("/early", { config: { ratelimit: { limit: 1 } } }, async () => ({ ok: true }));
    await app.register(keyguardRatelimit, {
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace: "fastify.early",
      limit: 100,
      duration: 60_000,
      identifier: identify.header("x-tenant"),
    });
    const get = () => app.inject({ url: "/early", headers: { "x-tenant": "acme" } });
    expect((await get()).statusCode).toBe(200);
    expect((await get()).statusCode).toBe(429);
    await app.close();
  });

  it("names a bad option by the route's pattern, never its URL", async () => {
    const app = Fastify();
    app.get("/early-bad", { config: { ratelimit: { limit: -1 } } }, async () => ({ ok: true }));
    await app.register(keyguardRatelimit, {
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace: "fastify.early-bad",
      limit: 100,
      duration: 60_000,
      identifier: identify.header("x-tenant"),
    });
    const calls = () => emulator.stats().calls["ratelimit.limit"] ?? 0;
    const before = calls();
    const reply = await app.inject({
      url: "/early-bad?api_key=sk_secret_in_query",
      headers: { "x-tenant": "acme" },
    });
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toContain("route GET /early-bad: invalid option `config.ratelimit.limit`");
    expect(reply.body).not.toContain("sk_secret_in_query");
    expect(calls()).toBe(before);
    await app.close();
  });
});
