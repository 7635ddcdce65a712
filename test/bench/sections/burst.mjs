// Section 4: 1,000 concurrent requests with one cold key make exactly one upstream call.
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";

export const id = 4;
export const title = "burst";

const BURST = 1000;

function get(url, agent, key) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}

export async function run(ctx) {
  const key = `bench_burst_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(20, { apis: [{ name: "burst", keys: [{ key }] }] });
  const server = await ctx.startServer({
    framework: "hono",
    guard: "keyguard",
    // A TTL longer than any burst: on a machine busy enough to stretch the burst past the
    // default 5 s, the entry's expiry would rightly cost a second call that coalescing did not.
    options: { rootKey: emulator.rootKey, baseUrl: emulator.url, cache: { ttlMs: 600_000 } },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: BURST });
  try {
    await emulator.resetStats();
    const statuses = await Promise.all(
      Array.from({ length: BURST }, () => get(server.url + ctx.route, agent, key)),
    );
    const upstream = (await emulator.stats()).calls["keys.verifyKey"] ?? 0;
    const ok = statuses.filter((s) => s === 200).length;
    ctx.row({
      name: `burst: ${BURST} concurrent requests, one cold key (emulator +20 ms)`,
      requests: BURST,
      upstream,
      ok,
      result: `${upstream} upstream call(s), ${ok} × 200`,
      target: "= 1",
      verdict: upstream === 1 && ok === BURST ? "meets" : "FAILS",
    });
  } finally {
    agent.destroy();
    await server.stop();
    await emulator.stop();
  }
}
