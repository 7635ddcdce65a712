import { type Emulator, startEmulator } from "@keyguard/emulator";
import {
  expectRefund,
  keptLogs,
  onServerError,
  refundBench,
  VERIFY_ONLY_ROOT,
} from "@keyguard/test-support/refund-bench";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unkey } from "../src/index";

// Issue 32 item 4 on Express: the status of the response sent (`finish`) decides a refund;
// a handler's throw is the 500 Express's final handler sends.

let emulator: Emulator;
let bench: Awaited<ReturnType<typeof refundBench>>;
beforeAll(async () => {
  emulator = await startEmulator({ seed: { rootKeys: [VERIFY_ONLY_ROOT] } });
  bench = await refundBench(emulator);
});
afterAll(() => emulator.stop());

function app(rootKey = emulator.rootKey) {
  const { lines, logger } = keptLogs();
  const guard = unkey({ rootKey, baseUrl: emulator.url, logger, cost: 3, refund: onServerError });
  const server = express();
  server.get("/boom", guard, () => {
    throw new Error("handler failed");
  });
  server.get("/ok", guard, (_req, res) => {
    res.json({ ok: true });
  });
  // Express's default error handler logs the throw: keep the test output clean.
  server.use((_error: unknown, _req: express.Request, res: express.Response, _next: unknown) => {
    res.status(500).json({ error: "internal" });
  });
  return { server, guard, lines };
}

describe("refunds on Express", () => {
  it("gives a thrown handler's cost back, once", async () => {
    const { server, guard, lines } = app();
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    await request(server).get("/boom").set("authorization", `Bearer ${key}`).expect(500);
    await expectRefund.given(bench, guard.verifier, keyId, before, lines);
  });

  it("keeps a 200's charge", async () => {
    const { server, guard } = app();
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    await request(server).get("/ok").set("authorization", `Bearer ${key}`).expect(200);
    await expectRefund.kept(bench, guard.verifier, keyId, before);
  });

  it("logs a refund the root key may not make, once, and the response is unchanged", async () => {
    const { server, guard, lines } = app(VERIFY_ONLY_ROOT.key);
    const { key, keyId } = await bench.key();
    const response = await request(server).get("/boom").set("authorization", `Bearer ${key}`);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: "internal" });
    await expectRefund.refused(bench, guard.verifier, { key, keyId }, lines);
  });
});
