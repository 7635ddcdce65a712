import { randomBytes } from "node:crypto";
import { addressGroup, createGuard, type Guard } from "@keyguard/core/adapter";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { type RedisCache, redisCache } from "@keyguard/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedis } from "../../packages/redis/test/redis-server";

// Two instances (two guards, each with its own Redis connection and in-process state) on one
// real redis-server and one emulator: the failure budget of an address is spent on both.

const SECRET = randomBytes(32).toString("base64");
const ADDRESS = "198.51.100.77";

let emulator: Emulator;
let redis: RedisServer;
const caches: RedisCache[] = [];

beforeAll(async () => {
  [emulator, redis] = await Promise.all([startEmulator({ port: 0 }), startRedis()]);
});
afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await redis?.stop();
  await emulator?.stop();
});

async function instance(
  failureBudget: { limit: number; windowMs: number } = { limit: 4, windowMs: 60_000 },
): Promise<Guard> {
  // Generous: on a busy machine a Redis round trip may take more than the 50 ms default.
  const sharedCache = redisCache({ url: redis.url, secret: SECRET, timeoutMs: 5_000 });
  caches.push(sharedCache);
  await sharedCache.ready();
  return createGuard(
    {
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      sharedCache,
      failureBudget,
    },
    undefined,
    { addressGroup },
  );
}

const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
let guesses = 0;
const status = async (guard: Guard, address = ADDRESS) => {
  const decision = await guard.check({
    headers: { "x-api-key": `sk_cluster_guess_${++guesses}` },
    address,
  });
  return decision.allowed ? 200 : decision.status;
};

describe("failureBudget shared by two instances through Redis", () => {
  it("refusals on A and B add up: past the limit both answer 429 without calling Unkey", async () => {
    const [a, b] = [await instance(), await instance()];
    expect(await status(a)).toBe(401);
    expect(await status(a)).toBe(401);
    expect(await status(b)).toBe(401);
    expect(await status(b)).toBe(401); // the 4th of the address: B's count is Redis's, 4
    const before = verifyCalls();
    expect(await status(b)).toBe(429);
    // A learns the shared count with its next refusal (its own count is 2): the one guess more
    // an instance may allow, counted in Redis like any other.
    expect(await status(a)).toBe(401);
    expect(await status(a)).toBe(429);
    expect(await status(b)).toBe(429);
    expect(verifyCalls()).toBe(before + 1);
    // Another address has its own budget.
    expect(await status(a, "203.0.113.5")).toBe(401);
  });

  it("guards with different budgets keep their own counts and windows (attacker review, issue 32 item 2)", async () => {
    const address = "198.51.100.88";
    const strict = await instance({ limit: 3, windowMs: 10_000 });
    const lax = await instance({ limit: 100, windowMs: 3_600_000 });
    for (let i = 0; i < 3; i++) expect(await status(lax, address)).toBe(401);
    // The strict guard's own budget is whole: three refusals, then 429 for its own window.
    expect(await status(strict, address)).toBe(401);
    expect(await status(strict, address)).toBe(401);
    expect(await status(strict, address)).toBe(401);
    const refused = await strict.check({ headers: { "x-api-key": "sk_strict_next" }, address });
    expect(refused.allowed ? 200 : refused.status).toBe(429);
    const retryAfter = Number(!refused.allowed && refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    // Nor did the strict guard's refusals spend the lax guard's budget.
    expect(await status(lax, address)).toBe(401);
  });

  it("keys the counter by a keyed hash: Redis never holds the address", async () => {
    const keys = await redis.command("KEYS", "*");
    expect(keys).toMatch(/keyguard:b:/);
    expect(keys).not.toContain("198.51.100");
    expect(keys).not.toContain("203.0.113");
  });
});
