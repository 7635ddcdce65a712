import { KeyguardConfigError } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { GuardedApp } from "./harness";
import { HARNESS_ROWS } from "./harnesses";
import { send } from "./http";

// failureBudget on every adapter that reports a client address (identify.ip()'s; Hono's
// through the getConnInfo its harness passes): each app is reached from 127.0.0.1 only, so
// every request below comes from one address. Next.js gives no client address: its
// adapter refuses the option at start-up, which is what its row checks.
const UNBUDGETED = new Set(["next"]);

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

describe.each(HARNESS_ROWS.filter(([name]) => !UNBUDGETED.has(name)))(
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

    it("words the 429 in the guard's style: problem+json, no challenge (custom realm), Retry-After to the window's end", async () => {
      const windowMs = 60_000;
      app = await harness.start({
        rootKey: emulator.rootKey,
        baseUrl: emulator.url,
        realm: "budget-realm",
        failureBudget: { limit: 2, windowMs },
      });
      // The window opens at the first refusal, no earlier than this.
      const opened = Date.now();
      for (let i = 0; i < 2; i++) {
        const refused = await get(`sk_guess_${++guesses}`);
        expect(refused.status).toBe(401);
        expect(refused.headers["www-authenticate"]).toMatch(/^Bearer realm="budget-realm"/);
      }

      const refused = await get(`sk_guess_${++guesses}`);
      const answered = Date.now();
      expect(refused.status).toBe(429);
      // RFC 6750 §3.1: a challenge answers a credential problem; this 429 is about the address.
      expect(refused.headers["www-authenticate"]).toBeUndefined();
      expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(refused.text)).toMatchObject({
        type: "https://iana.org/assignments/http-problem-types#abnormal-usage-detected",
        title: "Abnormal Usage Detected",
        status: 429,
        code: "FAILURE_BUDGET_EXCEEDED",
      });
      expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
      // A client that waits Retry-After from the answer finds the window (≥ opened + windowMs) over.
      expect(answered + Number(refused.headers["retry-after"]) * 1000).toBeGreaterThanOrEqual(
        opened + windowMs,
      );
      expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(windowMs / 1000);
    });
  },
);

describe.each(HARNESS_ROWS.filter(([name]) => UNBUDGETED.has(name)))(
  "failureBudget (%s)",
  (_name, harness) => {
    it("is refused at start-up, naming failureBudget and why: the framework gives no client address", async () => {
      const start = harness.start({
        rootKey: emulator.rootKey,
        baseUrl: emulator.url,
        failureBudget: { limit: 3, windowMs: 60_000 },
      });
      await expect(start).rejects.toBeInstanceOf(KeyguardConfigError);
      await expect(start).rejects.toMatchObject({ option: "failureBudget" });
      await expect(start).rejects.toThrow(/no client address|gives .* none/);
    });
  },
);
