import { type Emulator, startEmulator } from "@keyguard/emulator";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identify, ratelimit } from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

let namespaces = 0;
function loginApp(identifier = identify.ip()) {
  const app = express();
  // The proxy in front sets X-Forwarded-For, so req.ip is the client's address.
  app.set("trust proxy", true);
  app.post(
    "/login",
    ratelimit({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace: `express.ip.${++namespaces}`,
      limit: 3,
      duration: 60_000,
      identifier,
    }),
    (_req, res) => res.json({ ok: true }),
  );
  app.use(((error, _req, res, _next) => {
    res.status(400).json({ code: error.code });
  }) satisfies express.ErrorRequestHandler);
  return app;
}

const login = (app: express.Express, clientIp: string) =>
  request(app).post("/login").set("x-forwarded-for", clientIp);

describe("ratelimit() with identify.ip()", () => {
  it("limits an IPv6 client that rotates addresses within its /64", async () => {
    const app = loginApp();
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push((await login(app, `2001:db8:1:2::${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // Another /64 is another client.
    expect((await login(app, "2001:db8:1:3::1")).status).toBe(200);
  });

  it("counts an IPv4-mapped address as the IPv4 client it is", async () => {
    const app = loginApp();
    const statuses = [];
    for (const ip of ["203.0.113.7", "::ffff:203.0.113.7", "203.0.113.7", "::ffff:cb00:7107"])
      statuses.push((await login(app, ip)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("keeps whole IPv6 addresses apart with ipv6Subnet: false", async () => {
    const app = loginApp(identify.ip({ ipv6Subnet: false }));
    for (let i = 1; i <= 4; i++)
      expect((await login(app, `2001:db8:1:2::${i}`)).status, `address ${i}`).toBe(200);
  });

  it("never lets a request through without a usable address", async () => {
    const app = loginApp();
    const response = await login(app, "not-an-address");
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: "INVALID_RATELIMIT_IDENTIFIER" });
  });
});
