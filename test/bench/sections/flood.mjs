// Section 6: flood economics. A metered route (cost 1: every legitimate request reaches
// Unkey) takes a flood of distinct random well-formed keys, then the same keys again. The
// second pass should cost no upstream call (each refusal is cached for the negative TTL), and
// a legitimate key's requests, paced alongside, should keep their p99.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { paced, percentile } from "../paced.mjs";

export const id = 6;
export const title = "flood";

// Long enough that the second pass falls inside it; max above the flood's key count, so the
// first pass's refusals are all still cached when the second starts.
const NEGATIVE_TTL_MS = 120_000;

function settings(ctx) {
  const keys = Number(process.env.BENCH_FLOOD_KEYS ?? (ctx.smoke ? 200 : 10_000));
  const rate = Number(process.env.BENCH_FLOOD_RATE ?? (ctx.smoke ? 1000 : 2000));
  if (!(Number.isInteger(keys) && keys >= 1))
    throw new Error("BENCH_FLOOD_KEYS must be a whole number ≥ 1");
  if (!(rate > 0)) throw new Error("BENCH_FLOOD_RATE must be a positive number");
  return { keys, rate, legitRate: ctx.smoke ? 100 : 200, seconds: keys / rate };
}

/**
 * One phase: the legitimate key paced at `legitRate` for as long as the flood lasts (or
 * `seconds` with no flood). Upstream calls are the emulator's count less the legitimate
 * requests', each of which is one upstream call (a metered request is never served from
 * the cache, nor coalesced).
 */
/** The flood sender: a child process pinned beside the load generator. */
function startFlooder(ctx) {
  const child = fork(fileURLToPath(new URL("../flooder.mjs", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  ctx.pinToLoadCpu(child.pid);
  const flood = (url, keys, rate) =>
    new Promise((resolve, reject) => {
      const onMessage = (m) => {
        if (m.type !== "flooded" && m.type !== "error") return;
        child.off("message", onMessage);
        if (m.type === "error") reject(new Error(m.message));
        else resolve(m);
      };
      child.on("message", onMessage);
      child.send({ type: "flood", url, keys, rate });
    });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      child.send({ type: "stop" });
    });
  return { flood, stop };
}

async function phase(server, emulator, legitKey, plan, flooder, floodKeys, floodUrl = server.url) {
  await emulator.resetStats();
  const started = performance.now();
  let floodDone = false;
  const legit = paced(server.url, {
    rate: plan.legitRate,
    nextKey: () => legitKey,
    until: () => (floodKeys ? floodDone : performance.now() - started >= plan.seconds * 1000),
  });
  let flood = { sent: 0, refused: 0 };
  if (floodKeys) {
    flood = await flooder.flood(floodUrl, floodKeys, plan.rate);
    floodDone = true;
  }
  const legitimate = await legit;
  const seconds = (performance.now() - started) / 1000;
  const calls = (await emulator.stats()).calls["keys.verifyKey"] ?? 0;
  const answered = legitimate.filter((r) => r.status !== 0).length;
  const latencies = legitimate.map((r) => r.ms);
  return {
    seconds,
    sent: flood.sent,
    refused: flood.refused,
    upstream: calls - answered,
    legitimate: {
      requests: legitimate.length,
      ok: legitimate.filter((r) => r.status === 200).length,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
    },
  };
}

const ms = (n) => n.toFixed(2);

function floodRow(ctx, name, p, target, verdict) {
  ctx.row({
    name,
    sent: p.sent,
    refused: p.refused,
    upstream: p.upstream,
    seconds: p.seconds,
    result: `${p.upstream} upstream calls for ${p.sent} requests (${p.refused} × 401) in ${p.seconds.toFixed(1)} s`,
    target,
    verdict,
  });
}

export async function run(ctx) {
  const plan = settings(ctx);
  const legitKey = `bench_flood_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(0, {
    apis: [{ name: "flood", keys: [{ key: legitKey, credits: { remaining: 1_000_000_000 } }] }],
  });
  const server = await ctx.startServer({
    framework: "hono",
    guard: "keyguard",
    options: {
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      cost: 1,
      cache: { negativeTtlMs: NEGATIVE_TTL_MS, max: 2 * plan.keys + 100 },
    },
  });
  // The control: the same flood refused by the cheapest auth (section 1's Hono floor), in a
  // server of its own on the server CPU. The flood's sender shares the load CPU with the
  // emulator and the legitimate key's client, so a flood raises the legitimate p99 whoever
  // refuses it; against this control, what remains is what keyguard's refusals cost.
  const control = await ctx.startServer({
    framework: "hono",
    guard: "static-token",
    options: { token: `bench_control_${randomBytes(12).toString("hex")}` },
  });
  const flooder = startFlooder(ctx);
  try {
    const floodKeys = Array.from(
      { length: plan.keys },
      () => `sk_${randomBytes(16).toString("base64url")}`,
    );
    await ctx.load(server.url, legitKey, ctx.warmupSeconds); // JIT, keep-alive to the emulator
    const quiet = await phase(server, emulator, legitKey, plan, flooder);
    const first = await phase(server, emulator, legitKey, plan, flooder, floodKeys);
    const second = await phase(server, emulator, legitKey, plan, flooder, floodKeys);
    const floor = await phase(server, emulator, legitKey, plan, flooder, floodKeys, control.url);
    floodRow(
      ctx,
      `flood: first pass, ${plan.keys} distinct random keys at ${plan.rate} req/s (route cost 1)`,
      first,
      `= ${plan.keys} (one per new key)`,
      first.upstream === plan.keys ? "meets" : "FAILS",
    );
    floodRow(
      ctx,
      `flood: second pass, the same ${plan.keys} keys again (within the ${NEGATIVE_TTL_MS / 1000} s negative TTL)`,
      second,
      "= 0",
      second.upstream === 0 ? "meets" : "FAILS",
    );
    const ratio = second.legitimate.p99 / quiet.legitimate.p99;
    const legitRow = (label, p) =>
      `${label}: p50 ${ms(p.legitimate.p50)} / p99 ${ms(p.legitimate.p99)} ms (${p.legitimate.ok}/${p.legitimate.requests} × 200)`;
    ctx.row({
      name: `flood: legitimate key (metered) at ${plan.legitRate} req/s, p99 during the second pass vs no flood`,
      p50: Number(ms(second.legitimate.p50)),
      p99: Number(ms(second.legitimate.p99)),
      quiet: quiet.legitimate,
      duringFirst: first.legitimate,
      duringSecond: second.legitimate,
      ratio,
      result: `${ratio.toFixed(2)}× p99; ${legitRow("no flood", quiet)}; ${legitRow("first pass", first)}; ${legitRow("second pass", second)}`,
      target: "≤ 1.10× no flood",
      verdict: ratio <= 1.1 ? "meets" : "UNDER",
    });
    const overFloor = second.legitimate.p99 / floor.legitimate.p99;
    ctx.row({
      name: `flood: legitimate key, p99 during the second pass vs the same flood refused by a static-token server (control)`,
      p50: Number(ms(floor.legitimate.p50)),
      p99: Number(ms(floor.legitimate.p99)),
      duringControl: floor.legitimate,
      ratio: overFloor,
      result: `${overFloor.toFixed(2)}× p99 (control flood alone: ${(floor.legitimate.p99 / quiet.legitimate.p99).toFixed(2)}× no flood); ${legitRow("control", floor)}`,
      target: "≤ 1.10× control",
      verdict: overFloor <= 1.1 ? "meets" : "UNDER",
    });
  } finally {
    await control.stop();
    await flooder.stop();
    await server.stop();
    await emulator.stop();
  }
  ctx.note(
    `Flood: a Hono server guarding a route with \`cost: 1\` and \`cache: { negativeTtlMs: ${NEGATIVE_TTL_MS}, max: ${2 * plan.keys + 100} }\` (the default negative TTL, 1 s, is shorter than one pass). The flood is sent by a paced node:http client in a child process of its own (pinned beside the load generator), the legitimate key by another in the bench process (latency timed per request with \`performance.now()\`); upstream calls are the emulator's \`keys.verifyKey\` count less the legitimate requests (each metered request is one call). The first pass's legitimate p99 shows what a flood of new keys costs: one upstream call each.`,
  );
}
