import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const APP = fileURLToPath(new URL("../", import.meta.url));
const NEXT = fileURLToPath(new URL("../node_modules/next/dist/bin/next", import.meta.url));
const BUILD_MS = 360_000;
const START_MS = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** Polls until `next start` answers (bounded), or fails with its output. */
async function ready(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited:\n${output()}`);
    const up = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`next start did not answer within ${START_MS} ms:\n${output()}`);
}

/**
 * The example built with `next build` and served by `next start` (route handlers on
 * Node, middleware.ts on the Edge runtime), against the emulator on 127.0.0.1.
 */
describe("next example (next build + next start)", () => {
  let emulator: Emulator;
  let server: ChildProcess | undefined;
  let url: string;
  let output = "";
  const keys: Record<"reader" | "admin", string> = { reader: "", admin: "" };
  let apiId = "";
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

  beforeAll(
    async () => {
      emulator = await startEmulator();
      ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "next" }));
      const key = (permissions: string[]) =>
        emulator.call<{ key: string }>("keys.createKey", {
          apiId,
          permissions,
          meta: { plan: "pro" },
        });
      keys.reader = (await key(["docs.read"])).key;
      keys.admin = (await key(["docs.read", "admin"])).key;
      // Built without the secret: route modules are evaluated while the build collects page
      // data, and @keyguard/next defers the root key to the first request during the build.
      const buildEnv: NodeJS.ProcessEnv = { ...env };
      delete buildEnv.UNKEY_ROOT_KEY;
      delete buildEnv.KEYGUARD_CONTEXT_SECRET;
      const began = performance.now();
      await run(process.execPath, [NEXT, "build"], {
        cwd: APP,
        env: buildEnv,
        timeout: BUILD_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
      console.info(`next build: ${Math.round(performance.now() - began)} ms`);
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      server = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", "127.0.0.1"], {
        cwd: APP,
        env: { ...env, UNKEY_ROOT_KEY: emulator.rootKey, UNKEY_BASE_URL: emulator.url },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-8000);
      };
      server.stdout?.on("data", collect);
      server.stderr?.on("data", collect);
      await ready(url, server, () => output);
    },
    BUILD_MS + START_MS + 20_000,
  );

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      server.kill("SIGKILL");
      await exited;
    }
    await emulator?.stop();
  });

  const upstream = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it("runs the start-up check in instrumentation.ts as next start starts", () => {
    expect(output).toContain(
      `keyguard: Unkey at ${emulator.url}/v2/keys.verifyKey (base URL from UNKEY_BASE_URL) took the root key from UNKEY_ROOT_KEY`,
    );
  });

  it("serves the public route without a key", async () => {
    expect((await get("/api/health")).status).toBe(200);
  });

  it("answers 401 problem+json without a key", async () => {
    const response = await get("/api/docs");
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
  });

  it("answers 200 with the key's id for a key with docs.read", async () => {
    const response = await get("/api/docs", bearer(keys.reader));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ docs: ["welcome"], keyId: expect.any(String) });
  });

  it("answers 403 for a key without admin, 200 for one with it", async () => {
    const refused = await get("/api/admin", bearer(keys.reader));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS" });
    expect((await get("/api/admin", bearer(keys.admin))).status).toBe(200);
  });

  it("middleware verifies once and hands the key to the route handler", async () => {
    // A key no request has used yet: nothing about it is cached anywhere.
    const { key } = await emulator.call<{ key: string }>("keys.createKey", { apiId });
    const before = upstream();
    const response = await get("/api/me", bearer(key));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ keyId: expect.any(String), handedOff: true });
    expect(upstream() - before).toBe(1);
  });

  it("middleware refuses a request with no key, whatever x-keyguard-context says", async () => {
    const response = await get("/api/me", { "x-keyguard-context": "forged.value" });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
  });

  it("a route handler never trusts a client's x-keyguard-context", async () => {
    const response = await get("/api/docs", { "x-keyguard-context": "e30.AAAA" });
    expect(response.status).toBe(401);
  });
});
