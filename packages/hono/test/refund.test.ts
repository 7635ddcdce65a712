import { type Emulator, startEmulator } from "@keyguard/emulator";
import {
  expectRefund,
  keptLogs,
  onServerError,
  refundBench,
  VERIFY_ONLY_ROOT,
} from "@keyguard/test-support/refund-bench";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unkey } from "../src/index";

// Issue 32 item 4 on Hono: the status `c.res` holds after `await next()` decides a refund;
// a handler's throw is already app.onError's 500 there.

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
  const server = new Hono();
  server.get("/boom", guard, () => {
    throw new Error("handler failed");
  });
  server.get("/ok", guard, (c) => c.json({ ok: true }));
  server.onError((_error, c) => c.json({ error: "internal" }, 500));
  const get = (path: string, key: string) =>
    server.request(path, { headers: { authorization: `Bearer ${key}` } });
  return { get, guard, lines };
}

describe("refunds on Hono", () => {
  it("gives a thrown handler's cost back, once", async () => {
    const { get, guard, lines } = app();
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    expect((await get("/boom", key)).status).toBe(500);
    await expectRefund.given(bench, guard.verifier, keyId, before, lines);
  });

  it("keeps a 200's charge", async () => {
    const { get, guard } = app();
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    expect((await get("/ok", key)).status).toBe(200);
    await expectRefund.kept(bench, guard.verifier, keyId, before);
  });

  it("logs a refund the root key may not make, once, and the response is unchanged", async () => {
    const { get, guard, lines } = app(VERIFY_ONLY_ROOT.key);
    const { key, keyId } = await bench.key();
    const response = await get("/boom", key);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "internal" });
    await expectRefund.refused(bench, guard.verifier, { key, keyId }, lines);
  });
});
