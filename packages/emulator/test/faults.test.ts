import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";
import { post } from "./helpers";

let emulator: Emulator;
let key: string;

beforeEach(async () => {
  emulator = await startEmulator({
    seed: { apis: [{ name: "faults", keys: [{ key: "fault_key_1" }] }] },
  });
  key = "fault_key_1";
});
afterEach(async () => {
  await emulator.stop();
});

function verifyRaw(signal?: AbortSignal) {
  return fetch(`${emulator.url}/v2/keys.verifyKey`, {
    method: "POST",
    headers: { authorization: `Bearer ${emulator.rootKey}`, "content-type": "application/json" },
    body: JSON.stringify({ key }),
    ...(signal ? { signal } : {}),
  });
}

describe("fault injection on keys.verifyKey", () => {
  it("status replaces the answer with Unkey's error envelope", async () => {
    emulator.setFault({ status: 503 });
    const res = await verifyRaw();
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error).toMatchObject({ status: 503 });
    expect(body.meta.requestId).toMatch(/^req_/);
    // Other endpoints are unaffected.
    expect((await post(emulator, "apis.createApi", { name: "still-works" })).status).toBe(200);
    emulator.setFault(null);
    expect((await verifyRaw()).status).toBe(200);
  });

  it("operations moves the fault to the endpoints named, leaving keys.verifyKey alone", async () => {
    emulator.setFault({ status: 503, operations: ["ratelimit.limit"] });
    const body = { namespace: "ns", identifier: "u", limit: 1, duration: 1000 };
    expect((await post(emulator, "ratelimit.limit", body)).status).toBe(503);
    expect((await verifyRaw()).status).toBe(200);
    emulator.setFault(null);
    expect((await post(emulator, "ratelimit.limit", body)).status).toBe(200);
  });

  it("garbage bodies and content types", async () => {
    emulator.setFault({ status: 200, body: "{not json", contentType: "application/json" });
    const garbage = await verifyRaw();
    expect(garbage.status).toBe(200);
    expect(await garbage.text()).toBe("{not json");
    emulator.setFault({ status: 200, contentType: "text/html", body: "<html>" });
    const html = await verifyRaw();
    expect(html.headers.get("content-type")).toBe("text/html");
    expect(await html.text()).toBe("<html>");
    emulator.setFault({ body: { custom: true } });
    const custom = await verifyRaw();
    expect(custom.status).toBe(500);
    expect(await custom.json()).toEqual({ custom: true });
  });

  it("latency delays the normal answer", async () => {
    emulator.setFault({ latencyMs: 150 });
    const started = performance.now();
    const res = await verifyRaw();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect((await res.json()).data.code).toBe("VALID");
  });

  it("hang never answers; stop() still closes", async () => {
    emulator.setFault({ hang: true });
    const controller = new AbortController();
    const pending = verifyRaw(controller.signal);
    const outcome = await Promise.race([
      pending.then(
        () => "answered",
        () => "failed",
      ),
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 200)),
    ]);
    expect(outcome).toBe("still waiting");
    await emulator.stop();
    await expect(pending).rejects.toThrow();
  });

  it("reset destroys the socket", async () => {
    emulator.setFault({ reset: true });
    await expect(verifyRaw()).rejects.toThrow(/fetch failed/);
  });
});

describe("stats", () => {
  it("counts calls per operation, faulted and refused ones included, and resets", async () => {
    emulator.resetStats();
    await verifyRaw();
    emulator.setFault({ status: 500 });
    await verifyRaw();
    emulator.setFault(null);
    await post(emulator, "keys.verifyKey", { key }, null);
    await post(emulator, "apis.createApi", { name: "counted" });
    expect(emulator.stats()).toEqual({
      calls: { "keys.verifyKey": 3, "apis.createApi": 1 },
      total: 4,
      ratelimitWindows: 0,
    });
    emulator.resetStats();
    expect(emulator.stats()).toEqual({ calls: {}, total: 0, ratelimitWindows: 0 });
  });
});
