import * as diagnostics from "node:diagnostics_channel";
import type { DecisionMessage } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import express, { type Request, type Response } from "express";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { unkey } from "../src/index";

// A route's own `unkey({ reportOnly })` behind an app-wide `unkey()` never verifies again
// (Guard.again): its report-only rules are judged on the first guard's context, and the
// verdict is published on `keyguard:decision` like any guard's (issue 32).

const messages: DecisionMessage[] = [];
const listen = (message: unknown) => messages.push(message as DecisionMessage);
let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  diagnostics.subscribe("keyguard:decision", listen);
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "report" }));
  await emulator.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
});
afterAll(async () => {
  diagnostics.unsubscribe("keyguard:decision", listen);
  await emulator.stop();
});
beforeEach(() => {
  messages.length = 0;
});

const ok = (req: Request, res: Response) => void res.json({ keyId: req.unkey?.keyId ?? null });

function app() {
  const auth = unkey({ rootKey: emulator.rootKey, baseUrl: emulator.url });
  const server = express();
  server.use(auth);
  server.delete(
    "/docs",
    unkey({ verifier: auth.verifier, reportOnly: { permissions: "docs.write", cost: 50 } }),
    ok,
  );
  server.get("/docs", ok);
  return server;
}

describe("app-wide unkey() and a route's unkey({ reportOnly })", () => {
  it("publishes the route's would_refuse verdict, judged on the first verification (one verifyKey call)", async () => {
    const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
      permissions: ["docs.read"],
      credits: { remaining: 10 },
    });
    const before = emulator.stats().calls["keys.verifyKey"] ?? 0;
    const res = await request(app()).delete("/docs").set("Authorization", `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keyId });
    expect(emulator.stats().calls["keys.verifyKey"]).toBe(before + 1);
    const reports = messages.filter((message) => message.reportOnly !== undefined);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ allowed: true, status: 200, code: "VALID", keyId });
    expect(reports[0]?.reportOnly).toEqual({
      outcome: "would_refuse",
      reason: "INSUFFICIENT_PERMISSIONS",
      permissions: { query: "docs.write", satisfied: false },
      // 10 credits before this request (the app-wide guard charged 1); nothing would be charged.
      cost: { cost: 50, remaining: 10, wouldCharge: 0 },
    });
  });

  it("publishes nothing more for a route without reportOnly rules (one event per request)", async () => {
    const { key } = await emulator.call<{ key: string }>("keys.createKey", { apiId });
    const res = await request(app()).get("/docs").set("Authorization", `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.reportOnly).toBeUndefined();
  });
});
