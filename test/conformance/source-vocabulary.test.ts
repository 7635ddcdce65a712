import * as diagnostics from "node:diagnostics_channel";
import type { GuardOptions } from "@keyguard/core";
import { type Emulator, GATEWAY_OUTAGE } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { GuardedApp, HandlerBody } from "./harness";
import { HARNESS_ROWS } from "./harnesses";
import { startConformanceEmulator } from "./runner";

// One `source` vocabulary (issue 29, item 6): what a handler reads in its context and what
// the `keyguard:decision` channel says of the same request are the same word.

interface DecisionMessage {
  readonly allowed: boolean;
  readonly code: string;
  readonly source: string;
}

const messages: DecisionMessage[] = [];
const listen = (message: unknown) => messages.push(message as DecisionMessage);

beforeAll(() => diagnostics.subscribe("keyguard:decision", listen));
afterAll(() => diagnostics.unsubscribe("keyguard:decision", listen));

describe.each(HARNESS_ROWS)("source vocabulary: %s", (_name, harness) => {
  let emulator: Emulator;
  let app: GuardedApp | undefined;

  beforeAll(async () => {
    emulator = await startConformanceEmulator();
  });
  afterAll(() => emulator?.stop());
  afterEach(async () => {
    emulator.setFault(null);
    await app?.close();
    app = undefined;
    vi.useRealTimers();
  });

  async function start(options: GuardOptions = {}): Promise<GuardedApp> {
    app = await harness.start({ rootKey: emulator.rootKey, baseUrl: emulator.url, ...options });
    return app;
  }

  async function newKey(): Promise<string> {
    const { key } = await emulator.call<{ key: string }>("keys.createKey", {
      apiId: "api_conformance",
    });
    return key;
  }

  /** GET /protected with the key: the handler's context source and the one message's source. */
  async function sources(running: GuardedApp, key: string) {
    messages.length = 0;
    const response = await fetch(`${running.url}/protected`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as HandlerBody;
    expect(messages).toHaveLength(1);
    return { context: body.unkey?.source, message: messages[0]?.source };
  }

  it("says upstream, then cache, in the context and on the channel alike", async () => {
    const running = await start();
    const key = await newKey();
    expect(await sources(running, key)).toEqual({ context: "upstream", message: "upstream" });
    expect(await sources(running, key)).toEqual({ context: "cache", message: "cache" });
  });

  it("says stale for an expired entry served during an outage", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const running = await start({ cache: { ttlMs: 1000 }, staleIfErrorMs: 60_000 });
    const key = await newKey();
    await sources(running, key);
    // Past the 2 s timeout since Unkey's last answer: an outage, where stale answers apply.
    vi.setSystemTime(Date.now() + 2001);
    emulator.setFault(GATEWAY_OUTAGE);
    expect(await sources(running, key)).toEqual({ context: "stale", message: "stale" });
  });

  it("says fail-open for a request let through unverified", async () => {
    // Well past the timeout since any answer an earlier test saw: an outage, not one failed call.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
    const running = await start({ failureMode: "open" });
    emulator.setFault(GATEWAY_OUTAGE);
    expect(await sources(running, await newKey())).toEqual({
      context: "fail-open",
      message: "fail-open",
    });
  });
});
