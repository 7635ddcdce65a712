import "reflect-metadata";
import type { Verifier } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import {
  expectRefund,
  keptLogs,
  onServerError,
  refundBench,
  VERIFY_ONLY_ROOT,
} from "@keyguard/test-support/refund-bench";
import { Controller, Get } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNKEY_VERIFIER, UnkeyGuard, UnkeyModule, UnkeyRoute } from "../src/index";
import { type Platform, startApp } from "./app";

// Issue 32 item 4 on Nest, both platforms: `@UnkeyRoute({ refund })` opts a route in; the
// status the platform's response finishes with decides, a handler's throw being the 500 of
// Nest's exception layer.

@Controller()
class PaidController {
  @UnkeyRoute({ cost: 3, refund: onServerError })
  @Get("boom")
  boom() {
    throw new Error("handler failed");
  }

  @UnkeyRoute({ cost: 3, refund: onServerError })
  @Get("ok")
  ok() {
    return { ok: true };
  }
}

let emulator: Emulator;
let bench: Awaited<ReturnType<typeof refundBench>>;
beforeAll(async () => {
  emulator = await startEmulator({ seed: { rootKeys: [VERIFY_ONLY_ROOT] } });
  bench = await refundBench(emulator);
});
afterAll(() => emulator.stop());

async function app(platform: Platform, rootKey = emulator.rootKey) {
  const { lines, logger } = keptLogs();
  const running = await startApp(platform, {
    imports: [UnkeyModule.forRoot({ rootKey, baseUrl: emulator.url, logger })],
    controllers: [PaidController],
    providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
  });
  const verifier = running.moduleRef.get<Verifier>(UNKEY_VERIFIER);
  const get = (path: string, key: string) =>
    fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { get, verifier, lines, close: () => running.app.close() };
}

describe.each<Platform>(["express", "fastify"])("refunds on Nest (%s)", (platform) => {
  it("gives a thrown handler's cost back, once", async () => {
    const { get, verifier, lines, close } = await app(platform);
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    expect((await get("/boom", key)).status).toBe(500);
    await expectRefund.given(bench, verifier, keyId, before, lines);
    await close();
  });

  it("keeps a 200's charge", async () => {
    const { get, verifier, close } = await app(platform);
    const { key, keyId } = await bench.key();
    const before = bench.refundCalls();
    expect((await get("/ok", key)).status).toBe(200);
    await expectRefund.kept(bench, verifier, keyId, before);
    await close();
  });

  it("logs a refund the root key may not make, once, and the response is unchanged", async () => {
    const { get, verifier, lines, close } = await app(platform, VERIFY_ONLY_ROOT.key);
    const { key, keyId } = await bench.key();
    const response = await get("/boom", key);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ statusCode: 500 });
    await expectRefund.refused(bench, verifier, { key, keyId }, lines);
    await close();
  });
});
