import { type Emulator, startEmulator } from "@keyguard/emulator";
import {
  expectRefund,
  keptLogs,
  onServerError,
  refundBench,
  VERIFY_ONLY_ROOT,
} from "@keyguard/test-support/refund-bench";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyguard } from "../src/index";

// Issue 32 item 4 on Fastify: a route opts in with `config.unkey.refund`; the status of the
// response sent decides, a handler's throw being the 500 Fastify's error handler sends.

let emulator: Emulator;
let bench: Awaited<ReturnType<typeof refundBench>>;
beforeAll(async () => {
  emulator = await startEmulator({ seed: { rootKeys: [VERIFY_ONLY_ROOT] } });
  bench = await refundBench(emulator);
});
afterAll(() => emulator.stop());

async function app(rootKey = emulator.rootKey) {
  const { lines, logger } = keptLogs();
  const server = Fastify();
  await server.register(keyguard, { rootKey, baseUrl: emulator.url, logger });
  const unkey = { cost: 3, refund: onServerError };
  server.get("/boom", { config: { unkey } }, async () => {
    throw new Error("handler failed");
  });
  server.get("/ok", { config: { unkey } }, async () => ({ ok: true }));
  server.get("/no-refund", { config: { unkey: { cost: 3 } } }, async () => {
    throw new Error("handler failed");
  });
  await server.ready();
  const get = (url: string, key: string) =>
    server.inject({ url, headers: { authorization: `Bearer ${key}` } });
  return { get, verifier: server.unkeyVerifier, lines, close: () => server.close() };
}

describe("refunds on Fastify", () => {
  it("gives a thrown handler's cost back, once, on the route that asks", async () => {
    const { get, verifier, lines, close } = await app();
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    expect((await get("/boom", key)).statusCode).toBe(500);
    await expectRefund.given(bench, verifier, keyId, before, lines);
    // A route without `refund` keeps the charge of its 500.
    expect((await get("/no-refund", key)).statusCode).toBe(500);
    expect(await bench.remaining(keyId)).toBe(7);
    expect(bench.refundCalls() - before).toBe(1);
    await close();
  });

  it("keeps a 200's charge", async () => {
    const { get, verifier, close } = await app();
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    expect((await get("/ok", key)).statusCode).toBe(200);
    await expectRefund.kept(bench, verifier, keyId, before);
    await close();
  });

  it("logs a refund the root key may not make, once, and the response is unchanged", async () => {
    const { get, verifier, lines, close } = await app(VERIFY_ONLY_ROOT.key);
    const { key, keyId } = await bench.key();
    const response = await get("/boom", key);
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ message: "handler failed" });
    await expectRefund.refused(bench, verifier, { key, keyId }, lines);
    await close();
  });
});
