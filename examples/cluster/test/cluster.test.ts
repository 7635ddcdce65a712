import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../src/cluster";

const hello = (url: string, key: string) =>
  fetch(`${url}/api/hello`, { headers: { authorization: `Bearer ${key}` } });

// How long an instance keeps a verified key: the example keeps @keyguard/core's default TTL.
const TTL_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("cluster example: three processes sharing one Redis", () => {
  let cluster: Cluster;
  let keys: NonNullable<Cluster["upstream"]["keys"]>;
  // Date.now() just before the user key was last verified with Unkey: no instance's cached
  // entry for it expires before filledAt + TTL_MS (the instances' clock is this machine's).
  let filledAt = 0;

  beforeAll(async () => {
    delete process.env.UNKEY_ROOT_KEY;
    delete process.env.REDIS_URL;
    cluster = await startCluster(3);
    keys = cluster.upstream.keys as typeof keys;
  });
  afterAll(() => cluster?.stop());

  it("serves a key on every instance with one call to Unkey", async () => {
    filledAt = Date.now();
    for (const url of cluster.urls) {
      const response = await hello(url, keys.user);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ keyId: keys.userKeyId });
    }
    expect(cluster.upstream.verifications()).toBe(1);
  });

  it("refuses without a key on every instance", async () => {
    for (const url of cluster.urls) {
      expect((await fetch(`${url}/api/hello`)).status).toBe(401);
    }
  });

  it("refuses a revocation without the keys.revoke permission", async () => {
    const [first] = cluster.urls as [string];
    const response = await fetch(`${first}/api/keys/${keys.userKeyId}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.user}` },
    });
    expect(response.status).toBe(403);
  });

  it("a revocation on one instance is refused by every instance, before their cached entries could expire", async () => {
    const [first] = cluster.urls as [string, ...string[]];
    // Less than half a TTL left (a slow run): let the entries expire and fill them again, so
    // that only the invalidation can refuse the key in what remains of their TTL.
    if (Date.now() > filledAt + TTL_MS / 2) {
      await sleep(filledAt + TTL_MS - Date.now());
      filledAt = Date.now();
    }
    for (const url of cluster.urls) expect((await hello(url, keys.user)).status).toBe(200);
    const revoked = await fetch(`${first}/api/keys/${keys.userKeyId}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(revoked.status).toBe(204);
    // Polled until every instance refuses or the cached entries could have expired by
    // themselves: a refusal answered before then came through Redis pub/sub. That leaves the
    // bus at least half a TTL (2.5 s) for what takes it tens of ms; no guess at the machine's
    // speed, only the instances' own clock, which is this machine's.
    const outcomes = await Promise.all(
      cluster.urls.map(async (url) => {
        for (;;) {
          const status = (await hello(url, keys.user)).status;
          if (Date.now() >= filledAt + TTL_MS) return "not refused while its entry was fresh";
          if (status === 401) return 401;
          await sleep(5);
        }
      }),
    );
    expect(outcomes).toEqual(cluster.urls.map(() => 401));
  });
});
