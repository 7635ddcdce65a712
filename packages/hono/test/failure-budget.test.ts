import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { KeyguardConfigError } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { type Context, Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identify, type UnkeyHonoOptions, unkey } from "../src/index";

// failureBudget on Hono: the client comes from the app's clientAddress, identify.ip(getConnInfo)
// (grouped as the rate limiter groups it); the emulator counts what reaches Unkey.

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.stop();
});

const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
let guesses = 0;
const guess = () => ({ headers: { "x-api-key": `sk_guess_${++guesses}` } });

function appWith(options: Partial<UnkeyHonoOptions>): Hono {
  const app = new Hono();
  app.onError((error, c) => c.json({ error: String(error) }, 500));
  app.use(
    unkey({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      failureBudget: { limit: 2, windowMs: 60_000 },
      ...options,
    }),
  );
  app.get("/docs", (c) => c.text("ok"));
  return app;
}

// Your own helper, reading the header a trusted proxy sets (as identify.ip(getConnInfo) accepts).
const fromProxyHeader = (c: Context) => ({ remote: { address: c.req.header("x-real-ip") } });

describe("unkey({ failureBudget }) on Hono", () => {
  it("refuses a budget without clientAddress at start-up, naming clientAddress and failureBudget", () => {
    const start = () =>
      unkey({ rootKey: emulator.rootKey, failureBudget: { limit: 2, windowMs: 60_000 } });
    expect(start).toThrow(KeyguardConfigError);
    expect(start).toThrow(/`clientAddress`.*failureBudget/);
    // Without a budget, no address is read: clientAddress is not needed.
    expect(() => unkey({ rootKey: emulator.rootKey })).not.toThrow();
  });

  it("refuses failureBudget.ipv6Subnet: the grouping is identify.ip()'s", () => {
    const start = () =>
      unkey({
        rootKey: emulator.rootKey,
        failureBudget: { limit: 2, windowMs: 60_000, ipv6Subnet: 48 },
        clientAddress: identify.ip(getConnInfo),
      });
    expect(start).toThrow(expect.objectContaining({ option: "failureBudget.ipv6Subnet" }));
  });

  it("counts one IPv6 /64 as one client (identify.ip()'s grouping)", async () => {
    const app = appWith({ clientAddress: identify.ip(fromProxyHeader) });
    const from = (ip: string) => ({ headers: { ...guess().headers, "x-real-ip": ip } });
    expect((await app.request("/docs", from("2001:db8:1:2::1"))).status).toBe(401);
    expect((await app.request("/docs", from("2001:db8:1:2::ffff"))).status).toBe(401);
    expect((await app.request("/docs", from("2001:db8:1:2:aaaa::7"))).status).toBe(429);
  });

  it("counts per address as clientAddress reports it, and answers 429 without calling Unkey", async () => {
    const app = appWith({ clientAddress: identify.ip(fromProxyHeader) });
    const from = (ip: string) => ({ headers: { ...guess().headers, "x-real-ip": ip } });
    for (let i = 0; i < 2; i++)
      expect((await app.request("/docs", from("198.51.100.7"))).status).toBe(401);
    const before = verifyCalls();
    const refused = await app.request("/docs", from("198.51.100.7"));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "FAILURE_BUDGET_EXCEEDED" });
    expect(verifyCalls()).toBe(before);
    // Another address still reaches Unkey.
    expect((await app.request("/docs", from("203.0.113.9"))).status).toBe(401);
    expect(verifyCalls()).toBe(before + 1);
  });

  it("leaves a request unbudgeted, never a 500, where clientAddress cannot place the client", async () => {
    // @hono/node-server's getConnInfo under app.request(): no Node request behind it, so it throws.
    const throwing = appWith({ clientAddress: identify.ip(getConnInfo) });
    const none = appWith({ clientAddress: () => undefined });
    for (const app of [throwing, none]) {
      const before = verifyCalls();
      for (let i = 0; i < 4; i++) expect((await app.request("/docs", guess())).status).toBe(401);
      expect(verifyCalls()).toBe(before + 4);
    }
  });

  it("on @hono/node-server, budgets by the socket's address", async () => {
    const app = appWith({ clientAddress: identify.ip(getConnInfo) });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/docs`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(url, guess())).status);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
