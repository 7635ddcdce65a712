import type { SharedEntry } from "@keyguard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisCache, redisCache } from "../src/index";
import { type RedisServer, startRedis } from "./redis-server";

const SECRET = "index-ttl-secret-0123456789abcdefghijkl";
const LONG_MS = 600_000;
const SHORT_MS = 100;

let server: RedisServer;
let cache: RedisCache;

beforeAll(async () => {
  server = await startRedis();
  cache = redisCache({ url: server.url, secret: SECRET, prefix: "idx:", timeoutMs: 10_000 });
  await cache.ready();
});
afterAll(async () => {
  await cache?.close();
  await server?.stop();
});

const entryOf = (keyId: string): SharedEntry => ({
  kind: "valid",
  result: {
    valid: true,
    code: "VALID",
    keyId,
    identity: { id: "id_1", externalId: "cust_1", meta: {} },
    roles: [],
    permissions: [],
    source: "cache",
  },
  freshUntil: Date.now() + LONG_MS,
  staleUntil: Date.now() + LONG_MS,
  askedAt: Date.now(),
});

/** The PTTL of every index (`k:` key id, `x:` identity) under the test's prefix. */
async function indexTtls(kind: "k" | "x"): Promise<number[]> {
  const listing = await server.command("KEYS", `idx:${kind}:*`);
  const names = listing.split("\r\n").filter((line) => line.startsWith(`idx:${kind}:`));
  expect(names.length).toBeGreaterThan(0);
  return Promise.all(
    names.map(async (name) => Number((await server.command("PTTL", name)).slice(1))),
  );
}

describe("the key-id and identity indexes outlive their longest entry (attacker review, issue 32 item 5)", () => {
  it("a later short-lived entry of the same identity does not shorten the index; invalidation still finds the long-lived one", async () => {
    const long = cache.idFor("sk_long_lived_key_0123456789");
    const short = cache.idFor("sk_short_lived_key_0123456789");
    await cache.set(long, entryOf("key_long"), LONG_MS);
    // A fresh index gets a TTL (never left without one).
    for (const ttl of await indexTtls("x")) expect(ttl).toBeGreaterThan(LONG_MS);
    // Same key id too: a key id's index follows the same rule.
    await cache.set(short, entryOf("key_long"), SHORT_MS);
    for (const ttl of await indexTtls("x")) expect(ttl).toBeGreaterThan(LONG_MS);
    for (const ttl of await indexTtls("k")) expect(ttl).toBeGreaterThan(LONG_MS);
    // An index of a longer-lived entry still grows.
    await cache.set(short, entryOf("key_long"), 2 * LONG_MS);
    for (const ttl of await indexTtls("x")) expect(ttl).toBeGreaterThan(2 * LONG_MS);
    await cache.delete({ externalIds: ["cust_1"] });
    expect(await cache.get(long, 1)).toEqual({ lease: true });
  });
});
