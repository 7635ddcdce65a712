import * as diagnostics from "node:diagnostics_channel";
import type { DecisionMessage, GuardOptions, ReportOnlyMessage } from "@keyguard/core";
import type { Emulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GuardedApp, HandlerBody } from "./harness";
import { HARNESS_ROWS } from "./harnesses";
import { startConformanceEmulator } from "./runner";

// Report-only rules (issue 32, item 3) on every adapter: the answer is the one the route's
// own rules give, Unkey is asked nothing more and charged nothing more, and the
// `keyguard:decision` message says what the candidate rules would have done.

const messages: DecisionMessage[] = [];
const listen = (message: unknown) => messages.push(message as DecisionMessage);
beforeAll(() => diagnostics.subscribe("keyguard:decision", listen));
afterAll(() => diagnostics.unsubscribe("keyguard:decision", listen));

describe.each(HARNESS_ROWS)("reportOnly: %s", (_name, harness) => {
  let emulator: Emulator;
  let app: GuardedApp | undefined;

  beforeAll(async () => {
    emulator = await startConformanceEmulator();
  });
  afterAll(() => emulator?.stop());
  beforeEach(() => {
    messages.length = 0;
    emulator.resetStats();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: GuardOptions): Promise<GuardedApp> {
    app = await harness.start({ rootKey: emulator.rootKey, baseUrl: emulator.url, ...options });
    return app;
  }

  async function newKey(spec: Record<string, unknown>) {
    return emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId: "api_conformance",
      ...spec,
    });
  }

  /** GET `path` with the key: the handler's context and what the channel said of it. */
  async function get(running: GuardedApp, path: string, key: string) {
    messages.length = 0;
    const response = await fetch(`${running.url}${path}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await response.json()) as HandlerBody;
    const [message, ...more] = messages;
    expect(more).toEqual([]);
    return { status: response.status, unkey: body.unkey, reportOnly: message?.reportOnly };
  }

  const remaining = async (keyId: string) =>
    (await emulator.call<{ credits: { remaining: number } }>("keys.getKey", { keyId })).credits
      .remaining;

  it("a key lacking the candidate permission passes as before; the event says would refuse", async () => {
    const running = await start({ reportOnly: { permissions: "docs.write" } });
    const { key, keyId } = await newKey({ permissions: ["docs.read"] });
    const first = await get(running, "/read", key);
    expect(first.status).toBe(200);
    expect(first.unkey).toMatchObject({ keyId, permissions: ["docs.read"] });
    const would: ReportOnlyMessage = {
      outcome: "would_refuse",
      reason: "INSUFFICIENT_PERMISSIONS",
      permissions: { query: "docs.write", satisfied: false },
    };
    expect(first.reportOnly).toEqual(would);
    // From the cache the second time: still judged, still no second verification.
    const second = await get(running, "/protected", key);
    expect(second).toMatchObject({ status: 200, reportOnly: would });
    expect(second.unkey?.source).toBe("cache");
    expect(emulator.stats().calls["keys.verifyKey"]).toBe(1);
  });

  it("a candidate cost: would charge what the credits cover, would refuse what they do not, charges nothing", async () => {
    const running = await start({ reportOnly: { cost: 5 } });
    const rich = await newKey({ credits: { remaining: 10 } });
    const poor = await newKey({ credits: { remaining: 3 } });
    const covered = await get(running, "/protected", rich.key);
    expect(covered.status).toBe(200);
    expect(covered.reportOnly).toEqual({
      outcome: "would_allow",
      cost: { cost: 5, remaining: 10, wouldCharge: 5 },
    });
    const uncovered = await get(running, "/protected", poor.key);
    expect(uncovered.status).toBe(200);
    expect(uncovered.reportOnly).toEqual({
      outcome: "would_refuse",
      reason: "USAGE_EXCEEDED",
      cost: { cost: 5, remaining: 3, wouldCharge: 0 },
    });
    // Each key paid what the route alone costs (Unkey's default 1), the candidate nothing.
    expect(covered.unkey?.credits).toBe(9);
    expect(await remaining(rich.keyId)).toBe(9);
    expect(await remaining(poor.keyId)).toBe(2);
    expect(emulator.stats().calls["keys.verifyKey"]).toBe(2);
  });

  it("a bad candidate query fails at start-up, naming reportOnly.permissions", async () => {
    await expect(start({ reportOnly: { permissions: "docs.read AND" } })).rejects.toMatchObject({
      name: "KeyguardConfigError",
      option: "reportOnly.permissions",
    });
  });
});
