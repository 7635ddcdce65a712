import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConsoleLog, LOG_CAPACITY } from "../src/console/events";
import { type Emulator, startEmulator } from "../src/index";
import { consoleAction, logRows, readEvents, signIn } from "./console-helpers";
import { fakeClock, type Json, post } from "./helpers";

let emulator: Emulator;
let clock: ReturnType<typeof fakeClock>;
let apiId: string;
let cookie: string;

async function createKey(body: object): Promise<{ keyId: string; key: string }> {
  return emulator.call("keys.createKey", { apiId, prefix: "log", ...body });
}

/** The stream's backlog: every row kept, up to the `ready` event. */
async function backlog(): Promise<Json[]> {
  return logRows(
    await readEvents(emulator, cookie, (events) => events.some((e) => e.event === "ready")),
  );
}

beforeEach(async () => {
  clock = fakeClock();
  emulator = await startEmulator({ now: clock.now });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "log" }));
  cookie = await signIn(emulator);
});
afterEach(async () => {
  await emulator.stop();
});

describe("the console's event hook", () => {
  it("logs each verification with the code the handler answered, never the key", async () => {
    const plain = await createKey({ name: "plain", permissions: ["docs.read"] });
    const disabled = await createKey({ name: "off", enabled: false });
    const expired = await createKey({ name: "old", expires: clock.now() - 1 });
    const metered = await createKey({ name: "metered", credits: { remaining: 1 } });
    const limited = await createKey({
      name: "limited",
      ratelimits: [{ name: "requests", limit: 1, duration: 10_000, autoApply: true }],
    });
    const calls: [string, object][] = [
      [plain.key, { permissions: "docs.read", tags: ["route=/docs"] }],
      [plain.key, { permissions: "docs.write" }],
      ["log_never_issued", {}],
      [disabled.key, {}],
      [expired.key, {}],
      [metered.key, {}],
      [metered.key, {}],
      [limited.key, {}],
      [limited.key, {}],
    ];
    const answered: string[] = [];
    for (const [key, extra] of calls) {
      answered.push((await post(emulator, "keys.verifyKey", { key, ...extra })).body.data.code);
    }
    expect(answered).toEqual([
      "VALID",
      "INSUFFICIENT_PERMISSIONS",
      "NOT_FOUND",
      "DISABLED",
      "EXPIRED",
      "VALID",
      "USAGE_EXCEEDED",
      "VALID",
      "RATE_LIMITED",
    ]);
    const rows = await backlog();
    expect(rows.map((row) => row.outcome)).toEqual(answered);
    expect(rows[0]).toMatchObject({
      operation: "keys.verifyKey",
      keyId: plain.keyId,
      keyName: "plain",
      subject: plain.keyId,
      permissions: "docs.read",
      tags: ["route=/docs"],
      time: clock.now(),
    });
    expect(rows[2]).toEqual(expect.objectContaining({ subject: "unknown key" }));
    expect(rows[2].keyId).toBeUndefined();
    expect(rows[5]).toMatchObject({ keyName: "metered", credits: 0 });
    expect(rows[8].ratelimits).toEqual([
      expect.objectContaining({ name: "requests", limit: 1, remaining: 0, exceeded: true }),
    ]);
    const text = JSON.stringify(rows);
    for (const [key] of calls) expect(text).not.toContain(key);
  });

  it("logs ratelimit.limit calls, passed and refused, and refusals by status", async () => {
    const limit = { namespace: "signup", identifier: "203.0.113.7", limit: 1, duration: 60_000 };
    expect((await post(emulator, "ratelimit.limit", limit)).body.data.success).toBe(true);
    expect((await post(emulator, "ratelimit.limit", limit)).body.data.success).toBe(false);
    const { key } = await createKey({ name: "no limits" });
    const missing = await post(emulator, "keys.verifyKey", { key, ratelimits: [{ name: "nope" }] });
    expect(missing.status).toBe(412);
    const rows = await backlog();
    expect(rows.map((row) => [row.operation, row.subject, row.outcome])).toEqual([
      ["ratelimit.limit", "signup/203.0.113.7", "PASSED"],
      ["ratelimit.limit", "signup/203.0.113.7", "RATE_LIMITED"],
      ["keys.verifyKey", "unknown key", "ERROR"],
    ]);
    expect(rows[1].ratelimits).toEqual([expect.objectContaining({ name: "signup", remaining: 0 })]);
    expect(rows[2].error).toMatchObject({ status: 412, code: "precondition_failed" });
    expect(rows[2].error.detail).toContain("ratelimit 'nope' was requested");
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it("logs no other operation: not a createKey, nor a console action", async () => {
    const { keyId } = await createKey({ name: "quiet" });
    const action = await consoleAction(emulator, cookie, "keys.updateKey", { keyId, name: "q" });
    expect(action.status).toBe(200);
    await post(emulator, "keys.verifyKey", { key: "log_unknown" });
    const rows = await backlog();
    expect(rows.map((row) => row.operation)).toEqual(["keys.verifyKey"]);
  });

  it("streams rows as calls arrive, and a reconnect resumes after Last-Event-ID", async () => {
    const { key } = await createKey({ name: "live" });
    await post(emulator, "keys.verifyKey", { key });
    // Counted, not timed: the backlog holds row 1; rows 2 and 3 are sent once it was read.
    const events = await readEvents(emulator, cookie, (e) => logRows(e).length === 3, {
      onReady: async () => {
        await post(emulator, "keys.verifyKey", { key });
        await post(emulator, "keys.verifyKey", { key });
      },
    });
    expect(logRows(events).map((row) => row.id)).toEqual([1, 2, 3]);
    expect(events.findIndex((e) => e.event === "ready")).toBe(1);
    const resumed = await readEvents(emulator, cookie, (e) => e.some((x) => x.event === "ready"), {
      lastEventId: 2,
    });
    expect(logRows(resumed).map((row) => row.id)).toEqual([3]);
  });

  it("tells the page when a call changed the workspace", async () => {
    const events = await readEvents(emulator, cookie, (e) => e.some((x) => x.event === "state"), {
      onReady: () => createKey({ name: "new" }),
    });
    expect(events.map((e) => e.event)).toEqual(["ready", "state"]);
  });
});

describe("ConsoleLog", () => {
  it(`keeps the last ${LOG_CAPACITY} rows, and numbers every row`, () => {
    const log = new ConsoleLog(() => 0);
    const call = {
      operation: "ratelimit.limit",
      body: {},
      data: { success: true },
      changed: false,
    } as const;
    for (let i = 0; i < 3 * LOG_CAPACITY + 7; i++) log.observe(call);
    const kept = log.since(0);
    expect(kept).toHaveLength(LOG_CAPACITY);
    expect(kept[0]?.id).toBe(2 * LOG_CAPACITY + 8);
    expect(kept.at(-1)?.id).toBe(3 * LOG_CAPACITY + 7);
    expect(log.since(3 * LOG_CAPACITY + 5).map((entry) => entry.id)).toEqual([
      3 * LOG_CAPACITY + 6,
      3 * LOG_CAPACITY + 7,
    ]);
  });

  it("tells listeners of rows and changes, and keeps telling the others when one throws", () => {
    const log = new ConsoleLog(() => 0);
    const seen: string[] = [];
    log.subscribe(() => {
      throw new Error("a broken stream");
    });
    const stop = log.subscribe((message) => seen.push(message.type));
    log.observe({
      operation: "keys.verifyKey",
      body: {},
      data: { code: "NOT_FOUND" },
      changed: false,
    });
    log.observe({ operation: "keys.createKey", body: {}, data: {}, changed: true });
    stop();
    log.observe({ operation: "keys.createKey", body: {}, data: {}, changed: true });
    expect(seen).toEqual(["log", "state"]);
  });
});
