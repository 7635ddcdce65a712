import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeVariant } from "./edge-variant";
import { BUILD_MS, build, type NextServer, START_MS, start } from "./next-server";

const APP = fileURLToPath(new URL("../", import.meta.url));

interface Variant {
  readonly name: string;
  /** The app's directory, and what to delete once the test is done. */
  readonly app: () => Promise<{ dir: string; remove?: () => Promise<void> }>;
}

/**
 * The example as it is (proxy.ts, Next.js 16's convention, on the Node.js runtime), and a
 * copy with edge/middleware.ts as its middleware.ts (the older convention, which Next.js 16
 * still runs, on the Edge runtime): each built with `next build`, served by `next start`,
 * against the emulator on 127.0.0.1, and answering the same requests the same way.
 */
const VARIANTS: Variant[] = [
  { name: "proxy.ts (Node.js runtime)", app: async () => ({ dir: APP }) },
  { name: "middleware.ts (Edge runtime)", app: edgeVariant },
];

describe.each(VARIANTS)("next example with $name (next build + next start)", ({ app }) => {
  let emulator: Emulator;
  let server: NextServer | undefined;
  let remove: (() => Promise<void>) | undefined;
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
      const { dir, remove: removeApp } = await app();
      remove = removeApp;
      await build(dir, env);
      server = await start(dir, {
        ...env,
        UNKEY_ROOT_KEY: emulator.rootKey,
        UNKEY_BASE_URL: emulator.url,
      });
    },
    BUILD_MS + START_MS + 20_000,
  );

  afterAll(async () => {
    await server?.stop();
    await emulator?.stop();
    await remove?.();
  });

  const upstream = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server?.url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it("runs the start-up check in instrumentation.ts as next start starts", () => {
    expect(server?.output()).toContain(
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

  it("verifies once in front of the route and hands the key to the route handler", async () => {
    // A key no request has used yet: nothing about it is cached anywhere.
    const { key } = await emulator.call<{ key: string }>("keys.createKey", {
      apiId,
      meta: { plan: "pro" },
    });
    const before = upstream();
    const response = await get("/api/me", bearer(key));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      keyId: expect.any(String),
      meta: { plan: "pro" },
      handedOff: true,
    });
    expect(upstream() - before).toBe(1);
  });

  it("refuses a request with no key in front of the route, whatever x-keyguard-context says", async () => {
    const response = await get("/api/me", { "x-keyguard-context": "forged.value" });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
  });

  it("a route handler never trusts a client's x-keyguard-context", async () => {
    const response = await get("/api/docs", { "x-keyguard-context": "e30.AAAA" });
    expect(response.status).toBe(401);
  });

  /**
   * A GET sending `name` once per value, as separate header lines (fetch would join them
   * into one): what a client sends, which Node parses before Next builds the Request.
   */
  function getRepeated(path: string, name: string, values: string[]) {
    return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const outgoing = httpRequest(`${server?.url}${path}`, { timeout: 10_000 }, (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
        );
      });
      outgoing.setHeader(name, values);
      outgoing.on("timeout", () => outgoing.destroy(new Error(`${path}: no answer`)));
      outgoing.on("error", reject);
      outgoing.end();
    });
  }

  it("two Authorization headers: Node keeps the first, so its key alone decides (README)", async () => {
    const first = await getRepeated("/api/docs", "authorization", [
      `Bearer ${keys.reader}`,
      "Bearer sk_second_header_never_seen",
    ]);
    expect(first.status).toBe(200);
    const second = await getRepeated("/api/docs", "authorization", [
      "Bearer sk_first_header_decides",
      `Bearer ${keys.reader}`,
    ]);
    expect(second.status).toBe(401);
    expect(second.body).toMatchObject({ code: "NOT_FOUND" });
  });

  it("two X-API-Key headers reach keyguard joined, and are refused with no upstream call", async () => {
    const before = upstream();
    const response = await getRepeated("/api/docs", "x-api-key", [keys.reader, keys.admin]);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: "DUPLICATE_KEY" });
    expect(upstream() - before).toBe(0);
  });
});
