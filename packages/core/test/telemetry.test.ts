import * as diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { createGuard } from "../src/adapter";
import { PUBLISHES } from "../src/telemetry/web";
import { fakeUnkey, NOT_FOUND_ANSWER, ROOT_KEY, validAnswer } from "./fake-unkey";

// Runs in `core` (the Web build: publishes nothing) and `core (node)` (diagnostics_channel).
const KEY = "sk_telemetry_0123456789";
const unsubscribers: (() => void)[] = [];
afterEach(() => {
  for (const off of unsubscribers.splice(0)) off();
});

function listen(name: string): unknown[] {
  const seen: unknown[] = [];
  const onMessage = (message: unknown) => seen.push(message);
  diagnostics.subscribe(name, onMessage);
  unsubscribers.push(() => diagnostics.unsubscribe(name, onMessage));
  return seen;
}

describe(`keyguard:decision (${PUBLISHES ? "Node build: published" : "Web build: silent"})`, () => {
  it("one message per guarded request, with source and no key material", async () => {
    const seen = listen("keyguard:decision");
    const unkey = fakeUnkey((body) =>
      body.key === KEY ? validAnswer({ keyId: "key_t", permissions: ["a"] }) : NOT_FOUND_ANSWER,
    );
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    const headers = (key: string) => ({ authorization: `Bearer ${key}` });
    await guard.check({ headers: headers(KEY), route: "/docs/:id" });
    await guard.check({ headers: headers(KEY) });
    await guard.check({ headers: headers(KEY) }, guard.route({ permissions: "admin" }));
    await guard.check({ headers: {} });
    await guard.check({ headers: headers("sk_unknown_1") });
    if (!PUBLISHES) {
      expect(seen).toEqual([]);
      return;
    }
    expect(seen).toMatchObject([
      {
        allowed: true,
        status: 200,
        code: "VALID",
        source: "upstream",
        keyId: "key_t",
        route: "/docs/:id",
      },
      { allowed: true, code: "VALID", source: "cache", keyId: "key_t" },
      { allowed: false, status: 403, code: "INSUFFICIENT_PERMISSIONS", source: "cache" },
      { allowed: false, status: 401, code: "MISSING_KEY", source: "local" },
      { allowed: false, status: 401, code: "NOT_FOUND", source: "upstream" },
    ]);
    for (const message of seen) {
      expect(typeof (message as { durationMs: number }).durationMs).toBe("number");
      expect(JSON.stringify(message)).not.toMatch(/sk_telemetry|sk_unknown|[0-9a-f]{64}/);
    }
  });
});

describe("keyguard:unkey tracing channel", () => {
  it("start and asyncEnd around each upstream call, error with the VerifierError", async () => {
    const events: [string, Record<string, unknown>][] = [];
    const channel = diagnostics.tracingChannel<Record<string, unknown>>("keyguard:unkey");
    const handlers = {
      start: (c: Record<string, unknown>) => events.push(["start", { ...c }]),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (c: Record<string, unknown>) => events.push(["asyncEnd", { ...c }]),
      error: (c: Record<string, unknown>) => events.push(["error", { ...c }]),
    };
    channel.subscribe(handlers);
    unsubscribers.push(() => channel.unsubscribe(handlers));
    let down = false;
    const unkey = fakeUnkey(() =>
      down ? new Response("down", { status: 503 }) : validAnswer({ keyId: "key_t" }),
    );
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch, cache: false });
    await guard.check({ headers: { "x-api-key": KEY } });
    down = true;
    await guard.check({ headers: { "x-api-key": KEY } });
    if (!PUBLISHES) {
      expect(events).toEqual([]);
      return;
    }
    expect(events.map(([name]) => name)).toEqual([
      "start",
      "asyncEnd",
      "start",
      "error",
      "asyncEnd",
    ]);
    expect(events[1]?.[1]).toMatchObject({ status: 200, code: "VALID", requestId: "req_1" });
    expect(events[3]?.[1]).toMatchObject({ error: { code: "VERIFIER_UNAVAILABLE", status: 503 } });
    expect(JSON.stringify(events.map(([, c]) => ({ ...c, error: undefined })))).not.toContain(KEY);
  });
});
