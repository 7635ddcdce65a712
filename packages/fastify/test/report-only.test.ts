import * as diagnostics from "node:diagnostics_channel";
import type { DecisionMessage } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyguard } from "../src/index";

// `config.unkey.reportOnly`: the candidate is reported, the route's own rules decide.
describe("config.unkey.reportOnly against the emulator", () => {
  let emulator: Emulator;
  let app: FastifyInstance;
  let apiId = "";
  const messages: DecisionMessage[] = [];
  const listen = (message: unknown) => messages.push(message as DecisionMessage);

  beforeAll(async () => {
    diagnostics.subscribe("keyguard:decision", listen);
    emulator = await startEmulator({ seed: { permissions: ["docs.read", "docs.write"] } });
    ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "fastify" }));
    app = Fastify();
    await app.register(keyguard, { rootKey: emulator.rootKey, baseUrl: emulator.url });
    const reportOnly = { permissions: "docs.write", cost: 2 };
    app.get("/docs/:id", { config: { unkey: { permissions: "docs.read", reportOnly } } }, () => ({
      ok: true,
    }));
    await app.ready();
  });
  afterAll(async () => {
    diagnostics.unsubscribe("keyguard:decision", listen);
    await app?.close();
    await emulator?.stop();
  });

  it("answers as the route's permissions say; the event, with the route's pattern, would refuse", async () => {
    const { key } = await emulator.call<{ key: string }>("keys.createKey", {
      apiId,
      permissions: ["docs.read"],
      credits: { remaining: 5 },
    });
    messages.length = 0;
    const response = await app.inject({
      url: "/docs/7",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.statusCode).toBe(200);
    expect(messages).toMatchObject([
      {
        route: "/docs/:id",
        reportOnly: {
          outcome: "would_refuse",
          reason: "INSUFFICIENT_PERMISSIONS",
          permissions: { query: "docs.write", satisfied: false },
          cost: { cost: 2, remaining: 5, wouldCharge: 0 },
        },
      },
    ]);
  });

  it("a bad candidate query fails when the route is declared, naming the route and the option", async () => {
    const broken = Fastify();
    await broken.register(keyguard, { rootKey: emulator.rootKey, baseUrl: emulator.url });
    const declare = () =>
      broken.get("/x", { config: { unkey: { reportOnly: { permissions: "a AND" } } } }, () => "");
    expect(declare).toThrow(
      expect.objectContaining({
        name: "KeyguardConfigError",
        option: "config.unkey.reportOnly.permissions",
        message: expect.stringContaining("route GET /x"),
      }),
    );
    await broken.close();
  });
});
