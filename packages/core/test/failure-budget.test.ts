import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addressGroup, createGuard, type Decision, type GuardOptions } from "../src/adapter";
import { FailureBudget } from "../src/budget/failure-budget";
import { resolveFailureBudget } from "../src/budget/failure-budget-options";
import { KeyguardConfigError } from "../src/index";

// The failure budget over the real emulator: what a client sees (status, problem+json,
// Retry-After) and what Unkey is asked (the emulator's count of verifyKey calls). Only
// `Date` is faked, so windows pass without waiting while HTTP runs as ever.

let emulator: Emulator;
let apiId: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "budget" }));
});
afterAll(async () => {
  await emulator.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
const newKey = async () =>
  (await emulator.call<{ key: string; keyId: string }>("keys.createKey", { apiId })).key;
let guesses = 0;
const guess = () => `sk_guess_${++guesses}_${Math.random().toString(36).slice(2)}`;

function guardWith(failureBudget: GuardOptions["failureBudget"]) {
  const guard = createGuard(
    {
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      cache: { ttlMs: 600_000 },
      failureBudget,
    },
    undefined,
    { addressGroup },
  );
  return (address: string | undefined, key?: string): Promise<Decision> =>
    Promise.resolve(
      guard.check({ headers: key === undefined ? {} : { "x-api-key": key }, address }),
    );
}

const status = (decision: Decision) => (decision.allowed ? 200 : decision.status);

describe("failureBudget on a guard", () => {
  it("after `limit` unknown keys from one address, answers 429 without calling Unkey; a cached valid key still passes", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    const check = guardWith({ limit: 3, windowMs: 10_000 });
    const valid = await newKey();
    const uncached = await newKey();
    expect(status(await check("198.51.100.7", valid))).toBe(200);
    for (let i = 0; i < 3; i++) expect(status(await check("198.51.100.7", guess()))).toBe(401);
    vi.setSystemTime(1_004_000);
    const before = verifyCalls();

    const refused = await check("198.51.100.7", guess());
    expect(refused).toMatchObject({
      allowed: false,
      status: 429,
      code: "FAILURE_BUDGET_EXCEEDED",
      body: {
        type: "https://iana.org/assignments/http-problem-types#abnormal-usage-detected",
        code: "FAILURE_BUDGET_EXCEEDED",
        status: 429,
      },
    });
    // The window opened at the first refusal (t = 1,000,000) ends 6 s from now.
    expect(!refused.allowed && refused.headers["retry-after"]).toBe("6");
    expect(!refused.allowed && refused.headers["content-type"]).toBe("application/problem+json");
    for (let i = 0; i < 20; i++) expect(status(await check("198.51.100.7", guess()))).toBe(429);
    expect(status(await check("198.51.100.7", "bad key with spaces"))).toBe(429);
    // A real key this instance has not verified yet is not known valid: refused too.
    expect(status(await check("198.51.100.7", uncached))).toBe(429);
    expect(verifyCalls()).toBe(before);
    expect(status(await check("198.51.100.7", valid))).toBe(200);
    expect(verifyCalls()).toBe(before);

    // Another address is not affected; the spent one is served again once its window is over.
    expect(status(await check("203.0.113.9", guess()))).toBe(401);
    vi.setSystemTime(1_010_000);
    expect(status(await check("198.51.100.7", guess()))).toBe(401);
    expect(verifyCalls()).toBe(before + 2);
  });

  it("counts malformed keys, but neither missing nor disabled keys", async () => {
    const check = guardWith({ limit: 2, windowMs: 60_000 });
    const disabled = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
    });
    await emulator.call("keys.updateKey", { keyId: disabled.keyId, enabled: false });
    for (let i = 0; i < 5; i++) expect(status(await check("192.0.2.1"))).toBe(401);
    for (let i = 0; i < 5; i++) expect(status(await check("192.0.2.1", disabled.key))).toBe(401);
    expect(status(await check("192.0.2.1", guess()))).toBe(401);
    expect(status(await check("192.0.2.1", "two words"))).toBe(401);
    expect(status(await check("192.0.2.1", guess()))).toBe(429);
    // A request with no key is still told so (401), budget spent or not.
    expect(await check("192.0.2.1")).toMatchObject({ status: 401, code: "MISSING_KEY" });
  });

  it("groups IPv6 addresses by /64 as identify.ip() does, and leaves requests without an address alone", async () => {
    const check = guardWith({ limit: 2, windowMs: 60_000 });
    expect(status(await check("2001:db8:1:2::1", guess()))).toBe(401);
    expect(status(await check("2001:db8:1:2:ffff::9", guess()))).toBe(401);
    expect(status(await check("2001:db8:1:2::77", guess()))).toBe(429);
    expect(status(await check("2001:db8:1:3::1", guess()))).toBe(401);
    for (let i = 0; i < 4; i++) expect(status(await check(undefined, guess()))).toBe(401);
  });

  it("fails at start-up naming the sub-option, with a did-you-mean", () => {
    const start = (failureBudget: unknown) => () =>
      guardWith(failureBudget as GuardOptions["failureBudget"]);
    expect(start({ limit: 0, windowMs: 1000 })).toThrow(KeyguardConfigError);
    expect(start({ limit: 0, windowMs: 1000 })).toThrow(/failureBudget\.limit/);
    expect(start({ limit: 5, windowMs: 10 })).toThrow(/failureBudget\.windowMs/);
    expect(start({ limit: 5, windowMS: 1000 })).toThrow(/did you mean `failureBudget\.windowMs`/);
    expect(start({ limit: 5, windowMs: 1000, ipv6Subnet: 7 })).toThrow(/failureBudget\.ipv6Subnet/);
    expect(start(5)).toThrow(/failureBudget/);
  });
});

describe("failureBudget and concurrent customers (attacker review, round 2)", () => {
  it("never refuses valid keys, however many from one address are in flight", async () => {
    const check = guardWith({ limit: 3, windowMs: 60_000 });
    const keys = await Promise.all(Array.from({ length: 6 }, () => newKey()));
    const statuses = (await Promise.all(keys.map((key) => check("198.51.100.24", key)))).map(
      status,
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe("createGuard({ failureBudget }) without an address grouping", () => {
  it("is refused at start-up, naming failureBudget: a guard that cannot place clients would never count", () => {
    const start = () =>
      createGuard({ rootKey: "unkey_root", failureBudget: { limit: 2, windowMs: 60_000 } });
    expect(start).toThrow(expect.objectContaining({ option: "failureBudget" }));
    expect(start).toThrow(/addressGroup/);
  });
});

describe("FailureBudget counting", () => {
  it("opens a window at an address's first refusal and restores the budget at its end", () => {
    const budget = new FailureBudget(
      resolveFailureBudget({ limit: 2, windowMs: 5000 }) as NonNullable<
        ReturnType<typeof resolveFailureBudget>
      >,
    );
    budget.fail("a", 100);
    expect(budget.exhaustedUntil("a", 100)).toBeUndefined();
    budget.fail("a", 3000);
    expect(budget.exhaustedUntil("a", 3000)).toBe(5100);
    expect(budget.exhaustedUntil("a", 5099)).toBe(5100);
    expect(budget.exhaustedUntil("a", 5100)).toBeUndefined();
    // A refusal after the window opens a new one.
    budget.fail("a", 5200);
    expect(budget.exhaustedUntil("a", 5200)).toBeUndefined();
  });

  it("tracks at most `max` addresses, forgetting the least recently refused", () => {
    const budget = new FailureBudget(
      resolveFailureBudget({ limit: 1, windowMs: 5000, max: 2 }) as NonNullable<
        ReturnType<typeof resolveFailureBudget>
      >,
    );
    for (let i = 0; i < 1000; i++) void budget.fail(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(budget.size).toBe(2);
    expect(budget.exhaustedUntil("10.0.3.231", 0)).toBe(5000);
    expect(budget.exhaustedUntil("10.0.0.0", 0)).toBeUndefined();
  });

  it("takes the shared count and the later window end from the store", async () => {
    const budget = new FailureBudget(
      resolveFailureBudget({ limit: 3, windowMs: 5000 }) as NonNullable<
        ReturnType<typeof resolveFailureBudget>
      >,
      async () => ({ count: 3, resetInMs: 4000 }),
    );
    vi.useFakeTimers({ toFake: ["Date"], now: 2000 });
    await budget.fail("a", 2000);
    expect(budget.exhaustedUntil("a", 2000)).toBe(7000);
  });

  it("keeps the local count when the store cannot answer", async () => {
    const budget = new FailureBudget(
      resolveFailureBudget({ limit: 2, windowMs: 5000 }) as NonNullable<
        ReturnType<typeof resolveFailureBudget>
      >,
      async () => undefined,
    );
    await budget.fail("a", 0);
    await budget.fail("a", 1);
    expect(budget.exhaustedUntil("a", 1)).toBe(5000);
  });
});
