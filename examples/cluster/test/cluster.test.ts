import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../src/cluster";

const hello = (url: string, key: string) =>
  fetch(`${url}/api/hello`, { headers: { authorization: `Bearer ${key}` } });

describe("cluster example: three processes sharing one Redis", () => {
  let cluster: Cluster;
  let keys: NonNullable<Cluster["upstream"]["keys"]>;

  beforeAll(async () => {
    delete process.env.UNKEY_ROOT_KEY;
    delete process.env.REDIS_URL;
    cluster = await startCluster(3);
    keys = cluster.upstream.keys as typeof keys;
  });
  afterAll(() => cluster?.stop());

  it("serves a key on every instance with one call to Unkey", async () => {
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

  it("a revocation on one instance is refused by every instance within 250 ms", async () => {
    const [first, ...others] = cluster.urls as [string, ...string[]];
    for (const url of others) expect((await hello(url, keys.user)).status).toBe(200);
    const revoked = await fetch(`${first}/api/keys/${keys.userKeyId}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(revoked.status).toBe(204);
    const deadline = Date.now() + 250;
    const statuses = await Promise.all(
      cluster.urls.map(async (url) => {
        for (;;) {
          const status = (await hello(url, keys.user)).status;
          if (status === 401 || Date.now() > deadline) return status;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    expect(statuses).toEqual(cluster.urls.map(() => 401));
  });
});
