import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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

/**
 * The same call over node:http, whose own timers are Node's internal ones: with the global
 * setTimeout faked, the only fake timers are the emulator's.
 */
function verifyOverNodeHttp(): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}/v2/keys.verifyKey`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.rootKey}`, "content-type": "application/json" },
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ key }));
  });
}

/** Lets I/O and promise callbacks run for `turns` turns of the event loop, moving no fake clock. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;

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

  it("latency delays the normal answer by latencyMs, no less (fake clock)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const scheduling = vi.spyOn(globalThis, "setTimeout");
    try {
      emulator.setFault({ latencyMs: 150 });
      let answered = false;
      const pending = verifyOverNodeHttp().finally(() => {
        answered = true;
      });
      // The request is read and its answer scheduled on the (fake) clock, 150 ms ahead (Node's
      // own HTTP timers, a minute or more, may show up too).
      const delays = () => scheduling.mock.calls.map(([, ms]) => ms ?? 0).filter((ms) => ms <= 150);
      while (delays().length === 0 && !answered) await turns(1);
      expect(delays()).toEqual([150]);
      vi.advanceTimersByTime(149);
      await turns(20); // an answer sent by now would have arrived: loopback I/O, a few turns
      expect(answered).toBe(false);
      vi.advanceTimersByTime(1);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text).data.code).toBe("VALID");
    } finally {
      scheduling.mockRestore();
      vi.useRealTimers();
    }
  });

  it("hang never answers; stop() still closes", async () => {
    emulator.setFault({ hang: true });
    const controller = new AbortController();
    const pending = verifyRaw(controller.signal);
    let outcome = "still waiting";
    pending.then(
      () => {
        outcome = "answered";
      },
      () => {
        outcome = "failed";
      },
    );
    // Counted once the emulator has the request: from then on an answer would be on its way.
    await vi.waitFor(() => expect(verifyCalls()).toBe(1), { timeout: 10_000 });
    // A grace for such an answer to show: a busy machine can only make a broken hang pass
    // unnoticed here, never fail a working one.
    await new Promise((resolve) => setTimeout(resolve, 200));
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
