import { createServer } from "node:net";
import type { CheckReport } from "@keyguard/core";
import type { Emulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GuardedApp } from "./harness";
import { HARNESS_ROWS } from "./harnesses";
import { startConformanceEmulator } from "./runner";
import { ROOT_KEYS } from "./scenarios";

// verifier.check() reached from every adapter the way its users reach it (issue 29, item 4):
// Express's and Hono's middleware `.verifier`, Fastify's `app.unkeyVerifier`, Nest's
// UNKEY_VERIFIER provider, a Next route handler's `.verifier`.

/** A port nothing listens on: one a server just held and let go. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(HARNESS_ROWS)("start-up check: %s", (_name, harness) => {
  let emulator: Emulator;
  let deadUrl: string;

  beforeAll(async () => {
    emulator = await startConformanceEmulator();
    deadUrl = `http://127.0.0.1:${await deadPort()}`;
  });
  afterAll(() => emulator?.stop());

  async function checkWith(
    rootKey: string,
    baseUrl: string,
  ): Promise<{ report?: CheckReport; error?: unknown }> {
    const app: GuardedApp = await harness.start({ rootKey, baseUrl });
    try {
      return await app.check().then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
    } finally {
      await app.close();
    }
  }

  it("resolves on a good set-up, with one call to Unkey", async () => {
    emulator.resetStats();
    const { report } = await checkWith(emulator.rootKey, emulator.url);
    expect(report).toMatchObject({
      url: `${emulator.url}/v2/keys.verifyKey`,
      baseUrlFrom: "option",
      rootKeyFrom: "option",
      verifyRight: "unknown",
    });
    expect(emulator.stats().calls["keys.verifyKey"]).toBe(1);
  });

  it("rejects a root key Unkey refuses, before any request", async () => {
    const { error } = await checkWith(ROOT_KEYS.unknown, emulator.url);
    // Compared by name: a CommonJS adapter build holds its own copy of the class.
    expect(error).toMatchObject({
      name: "VerifierError",
      code: "VERIFIER_MISCONFIGURED",
      status: 401,
      message: expect.stringContaining("refused the root key from the rootKey option"),
    });
    expect((error as Error).message).not.toContain(ROOT_KEYS.unknown);
  });

  it("rejects a baseUrl where nothing listens", async () => {
    const { error } = await checkWith(emulator.rootKey, deadUrl);
    expect(error).toMatchObject({
      name: "VerifierError",
      code: "VERIFIER_UNAVAILABLE",
      status: undefined,
      message: expect.stringContaining(`nothing answered at ${deadUrl}/v2/keys.verifyKey`),
    });
  });
});
