// Section 3: @keyguard/hono vs Unkey's @unkey/hono 2.x against the emulator (+0 ms), with
// and without our cache. @unkey/hono's fetch is redirected to the emulator (apps.mjs). Then
// the upstream call alone: the client CPU of one verification, node:http vs fetch.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Client CPU per upstream call for each client, from transport-cost.mjs in its own process. */
function transportCost(ctx, emulator, key) {
  const calls = ctx.smoke ? 200 : 4000;
  const rounds = ctx.smoke ? 1 : ctx.rounds;
  const args = [emulator.url, emulator.rootKey, key, String(calls), String(rounds)];
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(here, "..", "transport-cost.mjs"), ...args],
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
    ctx.pinToServerCpu(child.pid);
  });
}

export const id = 3;
export const title = "vs @unkey/hono";

export async function run(ctx) {
  const key = `bench_unkey_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(0, { apis: [{ name: "vs", keys: [{ key }] }] });
  try {
    const options = { rootKey: emulator.rootKey, baseUrl: emulator.url };
    const [official, noCache, cached] = await ctx.compare(
      [
        { framework: "hono", guard: "unkey-hono", options },
        { framework: "hono", guard: "keyguard", options: { ...options, cache: false } },
        { framework: "hono", guard: "keyguard", options },
      ],
      key,
    );
    ctx.row({ name: "@unkey/hono 2.x (fetch → emulator)", ...official });
    const noCacheRatio = noCache.rps / official.rps;
    ctx.row({
      name: "@keyguard/hono, cache:false",
      ...noCache,
      ratio: noCacheRatio,
      result: `${noCacheRatio.toFixed(2)}× vs @unkey/hono`,
      target: "≥ 4.00 (issue 17; ≤ 150 µs CPU/req)",
      verdict: noCacheRatio >= 4 && noCache.cpuPerRequest <= 150 ? "meets" : "UNDER",
    });
    const cachedRatio = cached.rps / official.rps;
    ctx.row({
      name: "@keyguard/hono, cache",
      ...cached,
      ratio: cachedRatio,
      result: `${cachedRatio.toFixed(2)}× vs @unkey/hono`,
    });
    const cost = await transportCost(ctx, emulator, key);
    for (const [client, rounds] of Object.entries(cost)) {
      ctx.row({
        name: `upstream call alone, ${client} (verifier, cache:false, 50 in flight)`,
        cpuPerRequest: ctx.median(rounds),
        result: `client CPU per verification; rounds ${rounds.map((r) => r.toFixed(0)).join("/")} µs`,
      });
    }
  } finally {
    await emulator.stop();
  }
}
