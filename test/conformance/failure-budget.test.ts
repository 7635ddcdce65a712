import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { GuardedApp } from "./harness";
import { HARNESS_ROWS } from "./harnesses";
import { send } from "./http";

// failureBudget on every adapter that reports a client address (identify.ip()'s): each
// app is reached from 127.0.0.1 only, so every request below comes from one address.
// Hono (whose address needs the runtime's getConnInfo) and Next.js do not pass one yet:
// their guards do not budget (see the core README), so they are not in this table.
const BUDGETED = new Set(["express", "express4", "fastify", "nestjs-express", "nestjs-fastify"]);

let emulator: Emulator;
let apiId: string;
let app: GuardedApp | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "budget" }));
});
afterAll(async () => {
  await emulator.stop();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
let guesses = 0;
const get = (key: string) =>
  send((app as GuardedApp).url, "GET", "/protected", [["x-api-key", key]]);

describe.each(HARNESS_ROWS.filter(([name]) => BUDGETED.has(name)))(
  "failureBudget (%s)",
  (_name, harness) => {
    it("answers 429 abnormal-usage-detected after the budget, without calling Unkey; a cached valid key still passes", async () => {
      const { key: valid } = await emulator.call<{ key: string }>("keys.createKey", { apiId });
      app = await harness.start({
        rootKey: emulator.rootKey,
        baseUrl: emulator.url,
        cache: { ttlMs: 600_000 },
        failureBudget: { limit: 3, windowMs: 60_000 },
      });
      expect((await get(valid)).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await get(`sk_guess_${++guesses}`)).status).toBe(401);
      const before = verifyCalls();
      const handled = app.handlerCalls();

      const refused = await get(`sk_guess_${++guesses}`);
      expect(refused.status).toBe(429);
      expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(59);
      expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
      expect(JSON.parse(refused.text)).toMatchObject({
        type: "https://iana.org/assignments/http-problem-types#abnormal-usage-detected",
        status: 429,
        code: "FAILURE_BUDGET_EXCEEDED",
      });
      for (let i = 0; i < 10; i++) expect((await get(`sk_guess_${++guesses}`)).status).toBe(429);
      expect(verifyCalls()).toBe(before);
      expect((await get(valid)).status).toBe(200);
      expect(verifyCalls()).toBe(before);
      expect(app.handlerCalls()).toBe(handled + 1);
    });
  },
);
