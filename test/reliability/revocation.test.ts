import type { GuardOptions } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { AdapterHarness, RunningApp } from "../conformance/harness";
import { type RawResponse, send } from "../conformance/http";
import { HARNESS_ROWS, verifyCalls } from "./adapters";
import { recordFigures } from "./results";
import {
  captureOutput,
  checkResponse,
  leaks,
  observeError,
  secretFigures,
  trackKey,
} from "./secrets";

const TTL_MS = 300;
// Only for a clear failure when an entry never expires, far from the 300 ms TTL: how soon it
// expires is pinned by the fake-Date test, which a busy machine cannot stretch.
const POLL_LIMIT_MS = 10_000;
const REVOCATIONS = [
  [
    "disabled",
    (emulator: Emulator, keyId: string) =>
      emulator.call("keys.updateKey", { keyId, enabled: false }),
    "DISABLED",
  ],
  [
    "deleted",
    (emulator: Emulator, keyId: string) => emulator.call("keys.deleteKey", { keyId }),
    "NOT_FOUND",
  ],
] as const;

const refusedAfterMs: Record<string, Record<string, number>> = {};
let restoreOutput: () => void = () => {};
beforeAll(() => {
  restoreOutput = captureOutput();
});
afterAll(() => {
  restoreOutput();
  recordFigures("revocation", {
    ttlMs: TTL_MS,
    realTimeMsUntilRefused: refusedAfterMs,
    secrets: secretFigures(),
  });
  expect(leaks()).toEqual([]);
});

describe.each(HARNESS_ROWS)("revocation: %s", (name, harness: AdapterHarness) => {
  let emulator: Emulator;
  let apiId: string;
  const apps: RunningApp[] = [];
  refusedAfterMs[name] = {};

  const start = async (options: GuardOptions) => {
    const app = await harness.start({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      ...options,
    });
    apps.push(app);
    return app;
  };
  const newKey = async () => {
    const created = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
      prefix: "sk",
    });
    trackKey(created.key);
    return created;
  };
  const get = async (app: RunningApp, key: string): Promise<RawResponse> => {
    try {
      const response = await send(app.url, "GET", "/protected", [["x-api-key", key]]);
      checkResponse(response, key);
      return response;
    } catch (error) {
      observeError(error);
      throw error;
    }
  };
  const code = (response: RawResponse) => (JSON.parse(response.text) as { code?: string }).code;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => Date.now() });
    trackKey(emulator.rootKey);
    ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "revocation" }));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(() => emulator?.stop());

  it.each(REVOCATIONS)(
    "%s while cached: served from cache until the TTL, refused right after (fake Date)",
    async (_label, revoke, expected) => {
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
      const { key, keyId } = await newKey();
      const app = await start({ cache: { ttlMs: TTL_MS } });
      emulator.resetStats();
      expect((await get(app, key)).status).toBe(200);
      await revoke(emulator, keyId);
      vi.setSystemTime(Date.now() + TTL_MS - 1);
      expect((await get(app, key)).status).toBe(200); // still fresh in the cache: no upstream call
      expect(verifyCalls(emulator)).toBe(1);
      vi.setSystemTime(Date.now() + 2);
      const refused = await get(app, key);
      expect(refused.status, refused.text).toBe(401);
      expect(code(refused)).toBe(expected);
      expect(refused.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(verifyCalls(emulator)).toBe(2);
      expect(app.handlerCalls()).toBe(2);
    },
  );

  it.each(REVOCATIONS)(
    "%s while cached: served from cache meanwhile, refused by one upstream call once the TTL passes in real time",
    async (label, revoke, expected) => {
      const { key, keyId } = await newKey();
      const app = await start({ cache: { ttlMs: TTL_MS } });
      expect((await get(app, key)).status).toBe(200);
      await revoke(emulator, keyId);
      emulator.resetStats();
      const revokedAt = performance.now();
      let served = 0;
      let last: RawResponse | undefined;
      while (performance.now() - revokedAt < POLL_LIMIT_MS) {
        last = await get(app, key);
        if (last.status !== 200) break;
        served++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // A figure for RESULTS.md: on a busy machine it only grows, and nothing below depends on it.
      (refusedAfterMs[name] as Record<string, number>)[label] = Math.round(
        performance.now() - revokedAt,
      );
      expect(last?.status, last?.text).toBe(401);
      expect(code(last as RawResponse)).toBe(expected);
      // Every 200 since the revocation came from the cache (the handler ran, Unkey was not
      // asked); the refusal is the one call that reached Unkey once the entry had expired.
      expect(verifyCalls(emulator)).toBe(1);
      expect(app.handlerCalls()).toBe(1 + served);
    },
  );

  it.each(REVOCATIONS)(
    "%s with cache: false: refused at once",
    async (_label, revoke, expected) => {
      const { key, keyId } = await newKey();
      const app = await start({ cache: false });
      emulator.resetStats();
      expect((await get(app, key)).status).toBe(200);
      await revoke(emulator, keyId);
      const refused = await get(app, key);
      expect(refused.status, refused.text).toBe(401);
      expect(code(refused)).toBe(expected);
      expect(verifyCalls(emulator)).toBe(2);
      expect(app.handlerCalls()).toBe(1);
    },
  );
});
