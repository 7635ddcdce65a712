import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createVerifier, KeyguardConfigError, type Logger, VerifierError } from "../src/index";

// verifier.check() (issue 29, item 4): a wrong root key or a dead baseUrl shows at start-up,
// with the fix, instead of at the first request while the app looks healthy.

const LIMITED_ROOT_KEY = "unkey_root_verifies_another_api_only";
let emulator: Emulator;
let apiId: string;
let deadUrl: string;
let app: Server;
let appUrl: string;

/** A port nothing listens on: one a server just held and let go. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A logger that records what it is given: the check must give it nothing. */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

async function rejection(run: Promise<unknown>): Promise<VerifierError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VerifierError);
  return error as VerifierError;
}

beforeAll(async () => {
  emulator = await startEmulator({
    seed: { rootKeys: [{ key: LIMITED_ROOT_KEY, permissions: ["api.other.verify_key"] }] },
  });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "checked" }));
  deadUrl = `http://127.0.0.1:${await deadPort()}`;
  // The usual slip: UNKEY_BASE_URL pointing at an app, which has no such route.
  app = createHttpServer((req, res) => {
    res.writeHead(404, { "content-type": "text/html" });
    res.end(`<pre>Cannot ${req.method} ${req.url}</pre>`);
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
});
afterAll(async () => {
  await emulator.stop();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("verifier.check()", () => {
  it("resolves on a good set-up, saying what it checked and what it cannot tell", async () => {
    const logger = recorder();
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url, logger });
    const before = emulator.stats().calls["keys.verifyKey"] ?? 0;
    const report = await verifier.check();
    expect(emulator.stats().calls["keys.verifyKey"]).toBe(before + 1);
    expect(report).toMatchObject({
      url: `${emulator.url}/v2/keys.verifyKey`,
      baseUrlFrom: "option",
      rootKeyFrom: "option",
      verifyRight: "unknown",
    });
    expect(report.requestId).toMatch(/^req_/);
    expect(report.unknowns[0]).toContain("api.*.verify_key");
    expect(report.summary).toContain("took the root key from the rootKey option");
    expect(logger.lines).toEqual([]);
  });

  it("rejects a root key Unkey refuses, naming where it came from and the fix, never the key", async () => {
    const wrong = "unkey_root_from_yesterdays_emulator";
    vi.stubEnv("UNKEY_ROOT_KEY", wrong);
    const logger = recorder();
    const verifier = createVerifier({ baseUrl: emulator.url, logger });
    const error = await rejection(verifier.check());
    expect(error.code).toBe("VERIFIER_MISCONFIGURED");
    expect(error.status).toBe(401);
    expect(error.message).toContain("refused the root key from UNKEY_ROOT_KEY");
    expect(error.message).toContain("--data");
    expect(error.message).not.toContain(wrong);
    expect(logger.lines).toEqual([]);
  });

  it("rejects a dead baseUrl, saying it came from UNKEY_BASE_URL, or from the option", async () => {
    vi.stubEnv("UNKEY_BASE_URL", deadUrl);
    const fromEnv = await rejection(createVerifier({ rootKey: emulator.rootKey }).check());
    expect(fromEnv.code).toBe("VERIFIER_UNAVAILABLE");
    expect(fromEnv.status).toBeUndefined();
    expect(fromEnv.message).toContain(`nothing answered at ${deadUrl}/v2/keys.verifyKey`);
    expect(fromEnv.message).toContain("from UNKEY_BASE_URL");
    expect(fromEnv.message).toContain("ECONNREFUSED");
    vi.unstubAllEnvs();
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: deadUrl });
    const fromOption = await rejection(verifier.check());
    expect(fromOption.message).toContain("from the baseUrl option");
  });

  it("rejects a base URL where something else than Unkey answers", async () => {
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: appUrl });
    const error = await rejection(verifier.check());
    expect(error.code).toBe("VERIFIER_MISCONFIGURED");
    expect(error.status).toBe(404);
    expect(error.message).toContain("is not Unkey's keys.verifyKey");
  });

  it("with a known key, confirms the root key may verify it, spending no credits", async () => {
    const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
      credits: { remaining: 3 },
    });
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    const report = await verifier.check({ key });
    expect(report.verifyRight).toBe("confirmed");
    expect(report.unknowns).toEqual([]);
    expect(report.summary).not.toContain(key);
    const stored = await emulator.call<{ credits?: { remaining: number } }>("keys.getKey", {
      keyId,
    });
    expect(stored.credits?.remaining).toBe(3);
  });

  it("tells a root key that cannot verify keys only with a known key: Unkey answers NOT_FOUND", async () => {
    const { key } = await emulator.call<{ key: string }>("keys.createKey", { apiId });
    const verifier = createVerifier({ rootKey: LIMITED_ROOT_KEY, baseUrl: emulator.url });
    // A made-up key cannot tell: a root key without the right gets the same NOT_FOUND.
    expect((await verifier.check()).verifyRight).toBe("unknown");
    const error = await rejection(verifier.check({ key }));
    expect(error.code).toBe("VERIFIER_MISCONFIGURED");
    expect(error.message).toContain("cannot verify it");
    expect(error.message).toContain("api.*.verify_key");
    expect(error.message).not.toContain(key);
  });

  it("refuses a bad option with a KeyguardConfigError naming it", async () => {
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    await expect(verifier.check({ key: "" })).rejects.toMatchObject({ option: "key" });
    await expect(verifier.check({ kee: "k" } as unknown as { key: string })).rejects.toBeInstanceOf(
      KeyguardConfigError,
    );
  });
});
