import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createRatelimiter,
  KeyguardConfigError,
  type RatelimiterOptions,
  RatelimitIdentifierError,
  VerifierError,
} from "../src/index";
import { deferred, envelope, ROOT_KEY } from "./fake-unkey";

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const BASE = { rootKey: ROOT_KEY, namespace: "test.login", limit: 3, duration: 60_000 };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

interface LimitBody {
  namespace: string;
  identifier: string;
  limit: number;
  duration: number;
  cost: number;
}

/**
 * Unkey's `ratelimit.limit` behind the injectable fetch: fixed windows aligned
 * to the duration, counted per identifier and duration as Unkey keys them.
 * `hold` lets a test keep answers back to make calls overlap.
 */
function fakeLimitApi(options: { status?: () => number; hold?: () => Promise<void> } = {}) {
  const used = new Map<string, number>();
  const bodies: LimitBody[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as LimitBody;
    bodies.push(body);
    await options.hold?.();
    const status = options.status?.() ?? 200;
    if (status !== 200) return new Response(JSON.stringify({ error: { title: "x" } }), { status });
    const start = Math.floor(Date.now() / body.duration) * body.duration;
    const counter = `${body.identifier}:${body.duration}:${start}`;
    const effective = (used.get(counter) ?? 0) + body.cost;
    const success = effective <= body.limit;
    if (success) used.set(counter, effective);
    return envelope({
      success,
      limit: body.limit,
      remaining: success ? body.limit - effective : 0,
      reset: start + body.duration,
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, bodies };
}

function setup(extra: Partial<RatelimiterOptions> = {}, api = fakeLimitApi()) {
  const limiter = createRatelimiter({ ...BASE, fetch: api.fetch, ...extra });
  return { api, limiter };
}

describe("options", () => {
  it.each([
    [{ namespce: "x" }, "namespce", /did you mean `namespace`/],
    [{ limit: 0 }, "limit", /from 1 to/],
    [{ duration: 999 }, "duration", /from 1000 to 2,592,000,000/],
    [{ duration: 2_592_000_001 }, "duration", /to 2,592,000,000/],
    [{ namespace: "n".repeat(513) }, "namespace", /1 to 512 characters/],
    [{ namespace: undefined }, "namespace", /required/],
    [{ failureMode: "opne" }, "failureMode", /"closed" or "open"/],
    [{ mode: "async", cache: false }, "mode", /cache: false/],
    [{ cache: { maxx: 1 } }, "cache.maxx", /did you mean `cache.max`/],
  ])("refuses %j at creation, naming %s", (bad, option, message) => {
    const attempt = () => createRatelimiter({ ...BASE, ...bad } as RatelimiterOptions);
    expect(attempt).toThrow(KeyguardConfigError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as KeyguardConfigError).option).toBe(option);
    }
  });
});

describe("limit()", () => {
  it("sends Unkey's body and reports its answers: under, then over the limit", async () => {
    const { api, limiter } = setup();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await limiter.limit("ip:1"));
    expect(api.bodies[0]).toEqual({
      namespace: "test.login",
      identifier: "ip:1",
      limit: 3,
      duration: 60_000,
      cost: 1,
    });
    // The fourth is refused here: Unkey admitted 3 in this window, which it counts until it ends.
    expect(answers.map((a) => [a.success, a.remaining, a.source])).toEqual([
      [true, 2, "upstream"],
      [true, 1, "upstream"],
      [true, 0, "upstream"],
      [false, 0, "local"],
    ]);
    expect(answers[3]?.reset).toBe(T0 + 60_000);
    expect(api.bodies.length).toBe(3);
  });

  it("refuses a blocked identifier locally while Unkey provably would, then asks Unkey again", async () => {
    const { api, limiter } = setup({ limit: 1 });
    await limiter.limit("ip:1");
    expect((await limiter.limit("ip:1")).source).toBe("local");
    const calls = api.bodies.length;
    // Within cache.ttlMs (5 s) of Unkey's answer: Unkey still counts the admitted call.
    vi.setSystemTime(T0 + 5_000);
    const local = await limiter.limit("ip:1");
    expect(local).toMatchObject({ success: false, source: "local", reset: T0 + 60_000 });
    expect(api.bodies.length).toBe(calls);
    expect(limiter.stats().refusedLocally).toBe(2);
    // Past ttlMs the answer is too old to decide on (an override may have been raised): Unkey is asked.
    vi.setSystemTime(T0 + 5_001);
    expect(await limiter.limit("ip:1")).toMatchObject({ success: false, source: "upstream" });
    expect(api.bodies.length).toBe(calls + 1);
    // The next window: Unkey's count of the previous one decays from its start, so it may admit.
    vi.setSystemTime(T0 + 60_000);
    expect(await limiter.limit("ip:1")).toMatchObject({ success: true, source: "upstream" });
  });

  it("keeps identifiers, costs and overrides apart", async () => {
    const { api, limiter } = setup({ limit: 5 });
    expect((await limiter.limit("a", { cost: 5 })).success).toBe(true);
    expect((await limiter.limit("a", { cost: 1 })).success).toBe(false);
    // The block is for calls costing at least 1: a cost-0 check still goes to Unkey.
    expect(await limiter.limit("a", { cost: 0 })).toMatchObject({
      success: true,
      source: "upstream",
    });
    expect((await limiter.limit("b")).success).toBe(true);
    // The refusal proved a count of 5: under a limit of 50 that leaves room, so Unkey decides.
    expect(await limiter.limit("a", { limit: 50 })).toMatchObject({ success: true, remaining: 44 });
    expect(api.bodies.at(-1)).toMatchObject({ identifier: "a", limit: 50 });
  });

  it("refuses a bigger cost locally but asks Unkey for a smaller one", async () => {
    const { api, limiter } = setup({ limit: 5 });
    await limiter.limit("a", { cost: 3 });
    expect((await limiter.limit("a", { cost: 3 })).source).toBe("local");
    const calls = api.bodies.length;
    expect((await limiter.limit("a", { cost: 4 })).source).toBe("local");
    expect(await limiter.limit("a", { cost: 2 })).toMatchObject({
      success: true,
      source: "upstream",
    });
    expect(api.bodies.length).toBe(calls + 1);
  });

  it.each([
    ["", /1 to 512 characters/],
    ["x".repeat(513), /got 513/],
    ["😀".repeat(513), /got 513/],
    [42, /must be a string, got number/],
    [undefined, /got undefined/],
  ])("refuses the identifier %j with no upstream call", async (identifier, message) => {
    const { api, limiter } = setup();
    const refused = limiter.limit(identifier as string);
    await expect(refused).rejects.toThrow(RatelimitIdentifierError);
    await expect(refused).rejects.toThrow(message);
    expect(api.bodies.length).toBe(0);
  });

  it("counts an identifier in characters, as Unkey does: 512 emoji (1,024 UTF-16 units) go to Unkey", async () => {
    const { api, limiter } = setup();
    const identifier = "😀".repeat(512);
    expect(await limiter.limit(identifier)).toMatchObject({ success: true, source: "upstream" });
    expect(api.bodies[0]?.identifier).toBe(identifier);
  });

  it("with cache: false asks Unkey every time, blocked or not", async () => {
    const { api, limiter } = setup({ limit: 1, cache: false });
    for (let i = 0; i < 3; i++) await limiter.limit("a");
    expect(api.bodies.length).toBe(3);
  });
});

describe("concurrent calls of one identifier", () => {
  it("never over-admit, and a flood sends one call at a time once the limit nears", async () => {
    const { api, limiter } = setup({ limit: 2 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => limiter.limit("ip:9")));
    expect(answers.filter((a) => a.success).length).toBe(2);
    // A probe, then the one call its answer left room for; the rest are provably refused.
    expect(api.bodies.length).toBe(2);
    expect(answers.filter((a) => a.source === "local").length).toBe(18);
  });

  it("go out together when Unkey's last answer leaves room for them", async () => {
    let gate = deferred<void>();
    const api = fakeLimitApi({ hold: () => gate.promise });
    const { limiter } = setup({ limit: 100 }, api);
    const first = limiter.limit("a");
    await vi.waitFor(() => expect(api.bodies.length).toBe(1));
    gate.resolve();
    await first;
    gate = deferred<void>();
    const more = Array.from({ length: 5 }, () => limiter.limit("a"));
    // Room for 99: all five are out at once, none waits for another.
    await vi.waitFor(() => expect(api.bodies.length).toBe(6));
    gate.resolve();
    expect((await Promise.all(more)).every((a) => a.success && a.source === "upstream")).toBe(true);
  });
});

describe("when Unkey fails", () => {
  it("fails closed: a VerifierError, and callers waiting on the call share it", async () => {
    const gate = deferred<void>();
    const api = fakeLimitApi({ status: () => 503, hold: () => gate.promise });
    const { limiter } = setup({}, api);
    const calls = [limiter.limit("a"), limiter.limit("a"), limiter.limit("a")];
    gate.resolve();
    for (const call of calls)
      await expect(call).rejects.toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
    expect(api.bodies.length).toBe(1);
  });

  it("fails open when asked, flagged by its source, but never on a misconfiguration", async () => {
    let status = 503;
    const api = fakeLimitApi({ status: () => status });
    const logger = { warn: vi.fn(), error: vi.fn() };
    const { limiter } = setup({ failureMode: "open", logger }, api);
    expect(await limiter.limit("a")).toMatchObject({ success: true, source: "fail-open" });
    status = 403;
    const refused = limiter.limit("a");
    await expect(refused).rejects.toBeInstanceOf(VerifierError);
    await expect(refused).rejects.toMatchObject({ code: "VERIFIER_MISCONFIGURED" });
    expect(String(logger.error.mock.calls[0]?.[0])).not.toContain(ROOT_KEY);
    expect(limiter.stats().failedOpen).toBe(1);
  });
});

describe('mode: "async"', () => {
  it("admits from the estimate without waiting, and never past Unkey's limit on one instance", async () => {
    let gate = deferred<void>();
    const api = fakeLimitApi({ hold: () => gate.promise });
    const { limiter } = setup({ limit: 5, mode: "async" }, api);
    const first = limiter.limit("a");
    gate.resolve();
    expect(await first).toMatchObject({ success: true, source: "upstream", remaining: 4 });
    gate = deferred<void>();
    // Answers held back: four admitted from the estimate at once, the rest wait for Unkey.
    const next = Array.from({ length: 10 }, () => limiter.limit("a"));
    let settled = 0;
    for (const call of next.slice(0, 4)) call.then(() => settled++);
    await vi.waitFor(() => expect(settled).toBe(4));
    gate.resolve();
    const answers = await Promise.all(next);
    expect(answers.slice(0, 4).every((a) => a.source === "async" && a.success)).toBe(true);
    expect(answers.filter((a) => a.success).length).toBe(4);
    expect(limiter.stats().admittedAsync).toBe(4);
  });
});
