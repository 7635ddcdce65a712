import { mkdtempSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";
import { fakeClock, type Json, post } from "./helpers";

let emulator: Emulator;
afterEach(async () => {
  await emulator?.stop();
});

/** Starts a POST, writes `first` bytes, and resolves with the answer without ending the body. */
function partialPost(
  url: string,
  headers: Record<string, string>,
  first: Buffer,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v2/keys.verifyKey`, { method: "POST", headers }, (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
    });
    req.on("error", reject);
    req.write(first);
  });
}

describe("request bodies", () => {
  it("answers an unauthenticated call before its body has been sent", async () => {
    emulator = await startEmulator();
    const answer = await partialPost(
      emulator.url,
      { "content-type": "application/json", "content-length": String(400 * 1024 * 1024) },
      Buffer.alloc(1024, 0x20),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.errors).toEqual([expect.objectContaining({ location: "security" })]);
  });

  it("answers an unknown root key 401 before its body has been sent", async () => {
    emulator = await startEmulator();
    const answer = await partialPost(
      emulator.url,
      { authorization: "Bearer nope", "content-length": "100000000" },
      Buffer.alloc(1024, 0x20),
    );
    expect(answer.status).toBe(401);
  });

  it("refuses a declared oversized body with Unkey's 413", async () => {
    emulator = await startEmulator({ maxRequestBodySize: 1024 });
    const answer = await partialPost(
      emulator.url,
      { authorization: `Bearer ${emulator.rootKey}`, "content-length": "2048" },
      Buffer.alloc(16, 0x20),
    );
    expect(answer.status).toBe(413);
    expect(answer.body.error).toEqual({
      title: "Request Entity Too Large",
      detail: "The request body exceeds the maximum allowed size of 1024 bytes.",
      status: 413,
      type: "https://unkey.com/docs/errors/user/bad_request/request_body_too_large",
      errors: [],
    });
  });

  it("refuses a streamed body once it passes the cap, and accepts one at the cap", async () => {
    emulator = await startEmulator({ maxRequestBodySize: 1024 });
    const over = await partialPost(
      emulator.url,
      { authorization: `Bearer ${emulator.rootKey}`, "transfer-encoding": "chunked" },
      Buffer.alloc(1025, 0x20),
    );
    expect(over.status).toBe(413);
    const body = JSON.stringify({ key: "k".repeat(10) });
    const fits = await post(emulator, "keys.verifyKey", body.padEnd(1024, " "));
    expect(fits).toMatchObject({ status: 200, body: { data: { code: "NOT_FOUND" } } });
  });

  it("rejects a bad maxRequestBodySize option by name", async () => {
    await expect(startEmulator({ maxRequestBodySize: 0 })).rejects.toThrow(/maxRequestBodySize/);
  });
});

describe("data file", () => {
  it("is written with mode 0600", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emulator-mode-"));
    try {
      const dataFile = join(dir, "data.json");
      emulator = await startEmulator({ dataFile });
      await emulator.call("apis.createApi", { name: "mode-check" });
      expect(statSync(dataFile).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("credit refills [svc/ctrl/internal/db/queries/key_list_for_refill.sql]", () => {
  it("only raise remaining to the refill amount", async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 15, 12));
    emulator = await startEmulator({ now: clock.now });
    const { apiId } = await emulator.call<Json>("apis.createApi", { name: "refills" });
    const rich = await emulator.call<Json>("keys.createKey", {
      apiId,
      credits: { remaining: 500, refill: { interval: "daily", amount: 100 } },
    });
    const poor = await emulator.call<Json>("keys.createKey", {
      apiId,
      credits: { remaining: 5, refill: { interval: "daily", amount: 100 } },
    });
    clock.set(Date.UTC(2025, 0, 16, 0, 0, 1));
    const verify = (key: string) => post(emulator, "keys.verifyKey", { key });
    expect((await verify(rich.key)).body.data.credits).toBe(499);
    expect((await verify(poor.key)).body.data.credits).toBe(99);
  });

  it("updateKey remaining null clears the refill; a daily refill drops refillDay on create", async () => {
    emulator = await startEmulator();
    const { apiId } = await emulator.call<Json>("apis.createApi", { name: "refills" });
    const { keyId } = await emulator.call<Json>("keys.createKey", {
      apiId,
      credits: { remaining: 5, refill: { interval: "daily", amount: 10, refillDay: 4 } },
    });
    const before = await emulator.call<Json>("keys.getKey", { keyId });
    expect(before.credits).toEqual({ remaining: 5, refill: { interval: "daily", amount: 10 } });
    await emulator.call("keys.updateKey", { keyId, credits: { remaining: null } });
    expect((await emulator.call<Json>("keys.getKey", { keyId })).credits).toBeUndefined();
  });
});
