import { createVerifier } from "@keyguard/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RedisCache, redisCache } from "../src/index";
import { type RedisServer, startRedis } from "./redis-server";

const OLD = "old-secret-0123456789abcdefghijklmnopqrs";
const NEW = "new-secret-9876543210zyxwvutsrqponmlkjih";
const quiet = { warn() {}, error() {} };

let server: RedisServer;
const caches: RedisCache[] = [];
beforeAll(async () => {
  server = await startRedis();
});
beforeEach(async () => {
  await server.command("FLUSHALL");
});
afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await server?.stop();
});

/** Unkey answering every key as valid, with a key id of its own; counts calls. */
function unkey() {
  const state = { calls: 0 };
  const fetch = (async (_url: string, init: RequestInit) => {
    state.calls++;
    const { key } = JSON.parse(String(init.body)) as { key: string };
    return Response.json({
      meta: { requestId: "req" },
      data: { valid: true, code: "VALID", keyId: `key_${key}`, roles: [], permissions: [] },
    });
  }) as unknown as typeof globalThis.fetch;
  return { state, fetch };
}

async function instance(secret: string | string[], fetch: typeof globalThis.fetch) {
  // Redis calls get a second, not 50 ms: a loaded test machine must not turn a read into a miss.
  const sharedCache = redisCache({ url: server.url, secret, timeoutMs: 1000 });
  caches.push(sharedCache);
  await sharedCache.ready();
  // A TTL far past every wait below: an entry that goes away was invalidated, not expired.
  return createVerifier({
    rootKey: "root",
    fetch,
    sharedCache,
    cache: { ttlMs: 60_000 },
    logger: quiet,
  });
}

/** Resolves once the entry written in the background is in Redis (`entries` in all); then `to` reads it. */
async function stored(key: string, to: ReturnType<typeof createVerifier>, entries = 1) {
  await expect
    .poll(() => server.command("KEYS", "keyguard:e:*"), { timeout: 5000 })
    .toMatch(new RegExp(`^\\*${entries}\r\n`));
  expect((await to.verify(key)).source).toBe("cache");
}

// Each deploy step of the README's rotation runs some instances on the step before and some
// on the step after: every pair must share entries and hear each other's invalidations.
const STEPS: Array<[string, string[], string[]]> = [
  ["1: the new secret added second", [OLD], [OLD, NEW]],
  ["2: the new secret moved first", [OLD, NEW], [NEW, OLD]],
  ["3: the old secret removed", [NEW, OLD], [NEW]],
];

describe("rotating the secret (attacker review)", () => {
  for (const [step, before, after] of STEPS) {
    for (const [writer, reader] of [
      [before, after],
      [after, before],
    ] as const) {
      it(`step ${step}: ${JSON.stringify(writer.map(label))} and ${JSON.stringify(reader.map(label))} share entries and invalidations`, async () => {
        const upstream = unkey();
        const w = await instance(writer, upstream.fetch);
        const r = await instance(reader, upstream.fetch);
        const key = `sk_${step[0]}_${writer.map(label).join("")}_${reader.map(label).join("")}`;

        // Shared: the reader finds what the writer stored, without asking Unkey.
        expect((await w.verify(key)).source).toBe("upstream");
        await stored(key, r);
        expect(upstream.state.calls).toBe(1);

        // invalidate(key) by either reaches the other's in-process cache and Redis.
        await w.invalidate(key);
        await expect.poll(() => r.cached(key), { timeout: 5000 }).toBeUndefined();
        expect((await r.verify(key)).source).toBe("upstream");
        await stored(key, w);
        await r.invalidate(key);
        await expect.poll(() => w.cached(key), { timeout: 5000 }).toBeUndefined();

        // invalidateKeyId likewise, Redis's copy included.
        expect((await w.verify(key)).source).toBe("upstream");
        await stored(key, r);
        await w.invalidateKeyId(`key_${key}`);
        await expect.poll(() => r.cached(key), { timeout: 5000 }).toBeUndefined();
        const calls = upstream.state.calls;
        expect((await r.verify(key)).source).toBe("upstream");
        expect(upstream.state.calls).toBe(calls + 1);
      });
    }
  }

  it("an entry written under the old secret alone is still read once the new one writes", async () => {
    const upstream = unkey();
    const before = await instance(OLD, upstream.fetch);
    const after = await instance([NEW, OLD], upstream.fetch);
    const only = await instance(NEW, upstream.fetch);
    expect((await before.verify("sk_written_old")).source).toBe("upstream");
    await stored("sk_written_old", after);
    expect(upstream.state.calls).toBe(1);
    // Written with the new secret: read by an instance holding only the new one, not the old one.
    expect((await after.verify("sk_written_new")).source).toBe("upstream");
    await stored("sk_written_new", only, 2);
    expect((await before.verify("sk_written_new")).source).toBe("upstream");
    const dump = (await server.dump()).toString("latin1");
    expect(dump).not.toContain("sk_written");
  });
});

describe("rotating the secret, a step skipped", () => {
  it("an instance still on the old secret alone deletes by key id what one writing with the new secret stored", async () => {
    const upstream = unkey();
    const rotated = await instance([NEW, OLD], upstream.fetch);
    const behind = await instance(OLD, upstream.fetch);
    expect((await rotated.verify("sk_skipped")).source).toBe("upstream");
    await expect
      .poll(() => server.command("KEYS", "keyguard:e:*"), { timeout: 5000 })
      .toMatch(/^\*1\r\n/);
    await behind.invalidateKeyId("key_sk_skipped");
    expect(await server.command("KEYS", "keyguard:e:*")).toBe("*0\r\n");
  });
});

function label(secret: string): string {
  return secret === OLD ? "old" : "new";
}
