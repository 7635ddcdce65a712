import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import type { Emulator, Fault } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { playScenario, startConformanceEmulator } from "../conformance/runner";
import { type Bundles, bundleEntries } from "./bundle";
import { INSTALL_MS, installRuntimes } from "./install";
import { remoteHarness } from "./remote-harness";
import { bun, deno, type RunningRuntime, workerd } from "./runtimes";
import { RUNTIME_SCENARIOS } from "./subset";

/**
 * The Hono adapter and the core's Web build, bundled without the `node` condition,
 * on Bun, Deno and workerd (Miniflare), each against the emulator running here on
 * 127.0.0.1: the conformance table (see subset.ts for the few scenarios left out)
 * and the Web transport and hash checks that packages/core runs on Node.
 */
let bundles: Bundles;
beforeAll(async () => {
  await installRuntimes();
  bundles = await bundleEntries();
}, INSTALL_MS + 60_000);
afterAll(() => (bundles ? rm(bundles.dir, { recursive: true, force: true }) : undefined));

interface VerifyOutcome {
  result?: { valid: boolean; code: string; keyId?: string };
  error?: { name: string; code: string; message: string; status?: number };
}

const KEYS = ["sk_abc", "", "k".repeat(512), "sk_café", "sk_🔑_key", "line\nbreak"];
const sha256 = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

describe.each([bun, deno, workerd])("$name", (runtime) => {
  let emulator: Emulator;
  let running: RunningRuntime | undefined;
  const url = () => running?.url ?? "http://127.0.0.1:9";

  beforeAll(async () => {
    emulator = await startConformanceEmulator();
    running = await runtime.start(bundles);
  });
  afterAll(async () => {
    await running?.stop();
    await emulator?.stop();
  });

  async function post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${url()}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status, `${path} on ${runtime.name}`).toBe(200);
    return (await response.json()) as T;
  }

  /** One uncached `verify` inside the runtime, with `fault` on the emulator meanwhile. */
  async function verifyThere(fault: Fault | null, options: object = {}): Promise<VerifyOutcome> {
    const { key } = await emulator.call<{ key: string }>("keys.createKey", {
      apiId: "api_conformance",
    });
    emulator.setFault(fault);
    try {
      // A deadline no answer comes near, but where a test sets its own: a failure is then the
      // answer's doing, however busy the machine.
      const base = { rootKey: emulator.rootKey, baseUrl: emulator.url, timeoutMs: 10_000 };
      return await post<VerifyOutcome>("/__runtime/verify", {
        options: { ...base, ...options },
        key,
      });
    } finally {
      emulator.setFault(null);
    }
  }

  it("really runs there, not on Node", async () => {
    const response = await fetch(`${url()}/__runtime/info`);
    const { userAgent } = (await response.json()) as { userAgent: string };
    expect(userAgent).toMatch(runtime.userAgent);
  });

  describe("conformance (Hono adapter)", () => {
    const harness = remoteHarness(`hono on ${runtime.name}`, url);
    it.each(RUNTIME_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
      "%s",
      (_name, scenario) => playScenario(harness, emulator, scenario),
    );
  });

  describe("Web transport and hash", () => {
    it("the Web hash equals node:crypto's SHA-256", async () => {
      const { hashes } = await post<{ hashes: string[] }>("/__runtime/hash", { keys: KEYS });
      expect(hashes).toEqual(KEYS.map(sha256));
    });

    it("a valid key verifies through fetch", async () => {
      expect((await verifyThere(null)).result).toMatchObject({ valid: true, code: "VALID" });
    });

    it("times out a server that never answers", async () => {
      const { error } = await verifyThere({ hang: true }, { timeoutMs: 1_000 });
      expect(error).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
      expect(error?.message).toMatch(/did not (answer|finish its answer) within 1000 ms/);
    });

    it("cuts off a server slower than timeoutMs before its (valid) answer", async () => {
      // Its VALID answer is due 1,900 ms after the request arrives: a missing deadline or the
      // 2 s default would read it. The runtime arms its 1,000 ms deadline before sending.
      const { result, error } = await verifyThere({ latencyMs: 1_900 }, { timeoutMs: 1_000 });
      expect(result).toBeUndefined();
      expect(error?.message).toMatch(/did not (answer|finish its answer) within 1000 ms/);
    });

    it("refuses an answer over the size cap without reading it all", async () => {
      const huge = JSON.stringify({
        meta: { requestId: "r" },
        data: { pad: "x".repeat(1_100_000) },
      });
      const { error } = await verifyThere({ status: 200, body: huge });
      expect(error).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
      expect(error?.message).toMatch(/over 1000000 bytes/);
    });

    it.each([
      [{ status: 500 }, "VERIFIER_UNAVAILABLE", /answered HTTP 500/],
      [{ status: 200, body: "{not json" }, "VERIFIER_UNAVAILABLE", /not a verification/],
      [
        { status: 200, contentType: "text/html", body: "<html>" },
        "VERIFIER_UNAVAILABLE",
        /not JSON/,
      ],
      [{ reset: true }, "VERIFIER_UNAVAILABLE", /could not be reached|cut off/],
    ] as const)("maps the fault %j to %s", async (fault, code, message) => {
      const { error } = await verifyThere(fault);
      expect(error).toMatchObject({ name: "VerifierError", code });
      expect(error?.message).toMatch(message);
    });

    it("a refused root key is VERIFIER_MISCONFIGURED with Unkey's status", async () => {
      const { error } = await verifyThere(null, { rootKey: "unkey_root_unknown" });
      expect(error).toMatchObject({ code: "VERIFIER_MISCONFIGURED", status: 401 });
    });

    it("a closed port is VERIFIER_UNAVAILABLE, and nothing reached the emulator", async () => {
      emulator.resetStats();
      const { error } = await verifyThere(null, { baseUrl: "http://127.0.0.1:9" });
      expect(error).toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
      expect(error?.message).toMatch(/could not be reached/);
      expect(emulator.stats().calls["keys.verifyKey"] ?? 0).toBe(0);
    });
  });
});
