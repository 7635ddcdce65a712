import { type Emulator, startEmulator } from "@keyguard/emulator";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GetConnInfo, identify, ratelimit } from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

// The runtime's connection info, as `app.request` has no socket: the test names the peer.
const getConnInfo: GetConnInfo = (c) => ({ remote: { address: c.req.header("x-test-peer") } });

let namespaces = 0;
function loginApp(identifier = identify.ip(getConnInfo)) {
  const app = new Hono();
  app.post(
    "/login",
    ratelimit({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace: `hono.ip.${++namespaces}`,
      limit: 3,
      duration: 60_000,
      identifier,
    }),
    (c) => c.json({ ok: true }),
  );
  app.onError((error, c) => c.json({ code: (error as { code?: string }).code }, 400));
  return app;
}

const login = (app: Hono, peer: string) =>
  app.request("/login", { method: "POST", headers: { "x-test-peer": peer } });

describe("ratelimit() with identify.ip(getConnInfo)", () => {
  it("limits an IPv6 client that rotates addresses within its /64", async () => {
    const app = loginApp();
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push((await login(app, `2001:db8:1:2::${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect((await login(app, "2001:db8:1:3::1")).status).toBe(200);
  });

  it("takes the prefix length as its second argument", async () => {
    const app = loginApp(identify.ip(getConnInfo, { ipv6Subnet: 48 }));
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await login(app, `2001:db8:1:${i}::1`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(() => identify.ip(getConnInfo, { ipv6Subnet: 200 })).toThrow(/ipv6Subnet/);
  });

  it("never lets a request through without a usable address", async () => {
    const response = await login(loginApp(), "not-an-address");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: "INVALID_RATELIMIT_IDENTIFIER" });
  });
});
