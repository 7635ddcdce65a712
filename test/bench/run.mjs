// keyguard benchmark harness: `pnpm bench` (full) or BENCH_SMOKE=1 (smoke).
// Every server configuration runs in its own child process (server.mjs), the
// emulator in another (emulator.mjs), autocannon here, all on 127.0.0.1.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ROUTE } from "./apps.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SMOKE = process.env.BENCH_SMOKE === "1";
const SECONDS = SMOKE ? 0.5 : Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = SMOKE ? 0.2 : Math.min(1, SECONDS / 5);
const MEMORY_KEYS = Number(process.env.BENCH_MEMORY_KEYS ?? (SMOKE ? 1000 : 100_000));
// Each memory run stops after this budget even if not every key was sent (each key is an upstream call).
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? (SMOKE ? 60 : 30));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BURST = 1000;
const OUT_DIR =
  process.env.BENCH_OUT_DIR ?? (SMOKE ? join(os.tmpdir(), "keyguard-bench-smoke") : here);
const FRAMEWORKS = ["express", "hono", "fastify", "nestjs-express"];

if (!(SECONDS > 0)) throw new Error("BENCH_SECONDS must be a positive number");
if (!(MEMORY_KEYS >= 1)) throw new Error("BENCH_MEMORY_KEYS must be at least 1");

// ---------------------------------------------------------------- children

const children = new Set();

function startChild(file, args = [], execArgv = []) {
  const child = fork(join(here, file), args, {
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function ask(child, message, replyType, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child did not answer ${replyType} in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (reply) => {
      if (reply.type === "error") {
        cleanup();
        reject(new Error(reply.message));
      } else if (reply.type === replyType) {
        cleanup();
        resolve(reply);
      }
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`child exited (${code}) before ${replyType}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    if (message !== undefined) child.send(message);
  });
}

async function stopChild(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.send({ type: "stop" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function startEmulator(latencyMs, seed) {
  const seedFile = join(
    os.tmpdir(),
    `keyguard-bench-seed-${process.pid}-${latencyMs}-${Date.now()}.json`,
  );
  writeFileSync(seedFile, JSON.stringify(seed));
  const child = startChild("emulator.mjs", [String(latencyMs), seedFile]);
  const ready = await ask(child, undefined, "ready");
  return {
    url: ready.url,
    rootKey: ready.rootKey,
    stats: async () => (await ask(child, { type: "stats" }, "stats")).stats,
    resetStats: () => ask(child, { type: "resetStats" }, "resetStats"),
    stop: () => stopChild(child),
  };
}

async function startServer(config, execArgv = []) {
  const child = startChild("server.mjs", [], ["--expose-gc", ...execArgv]);
  const ready = await ask(child, { type: "start", config }, "ready");
  return {
    url: ready.url,
    memory: () => ask(child, { type: "memory" }, "memory"),
    stop: () => stopChild(child),
  };
}

// ---------------------------------------------------------------- load

async function load(url, key, seconds) {
  const result = await autocannon({
    url: url + ROUTE,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${key}` },
  });
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Warm (JIT and, for guarded routes, the cache with the one key), then measure. */
async function measure(config, key) {
  const server = await startServer(config);
  try {
    // Proof that the guard is really on: no key must be refused.
    const unauthenticated = (await fetch(server.url + ROUTE)).status;
    const expected = config.guard === "none" ? 200 : 401;
    if (unauthenticated !== expected) {
      throw new Error(
        `${config.framework}/${config.guard}: no key answered ${unauthenticated}, expected ${expected}`,
      );
    }
    await load(server.url, key, WARMUP_SECONDS);
    return await load(server.url, key, SECONDS);
  } finally {
    await server.stop();
  }
}

function keyguardOptions(emulator, extra = {}) {
  return { rootKey: emulator.rootKey, baseUrl: emulator.url, ...extra };
}

// ---------------------------------------------------------------- sections

const rows = [];
const notes = [];
const mainKey = `bench_main_${randomBytes(12).toString("hex")}`;
const burstKey = `bench_burst_${randomBytes(12).toString("hex")}`;
const baseSeed = { apis: [{ name: "bench", keys: [{ key: mainKey }, { key: burstKey }] }] };

function row(section, name, m, extra = {}) {
  const r = { section, name, ...m, ...extra };
  rows.push(r);
  const tag = m.non2xx || m.errors || !m.total ? ` (!! non2xx=${m.non2xx} errors=${m.errors})` : "";
  console.log(`[${section}] ${name}: ${Math.round(m.rps)} req/s p50=${m.p50} p99=${m.p99}${tag}`);
  return r;
}

async function throughput(emulator0, emulator20) {
  // 1. bare vs guarded (warm cache) per framework
  for (const framework of FRAMEWORKS) {
    const bare = row(1, `${framework} bare`, await measure({ framework, guard: "none" }, mainKey));
    const guarded = row(
      1,
      `${framework} guarded (warm cache)`,
      await measure({ framework, guard: "keyguard", options: keyguardOptions(emulator0) }, mainKey),
    );
    guarded.ratio = guarded.rps / bare.rps;
    guarded.ratioLabel = "guarded/bare";
    guarded.target = 0.95;
  }
  // 2. Hono with vs without the cache, emulator at 0 and 20 ms
  for (const [latency, emulator] of [
    [0, emulator0],
    [20, emulator20],
  ]) {
    const off = row(
      2,
      `hono guarded, cache:false, emulator +${latency} ms`,
      await measure(
        {
          framework: "hono",
          guard: "keyguard",
          options: keyguardOptions(emulator, { cache: false }),
        },
        mainKey,
      ),
    );
    const on = row(
      2,
      `hono guarded, cache, emulator +${latency} ms`,
      await measure(
        { framework: "hono", guard: "keyguard", options: keyguardOptions(emulator) },
        mainKey,
      ),
    );
    on.ratio = on.rps / off.rps;
    on.ratioLabel = "cache/no cache";
  }
  // 3. @keyguard/hono vs @unkey/hono 2.x, emulator +0 ms
  const official = row(
    3,
    "@unkey/hono 2.x (fetch → emulator)",
    await measure(
      { framework: "hono", guard: "unkey-hono", options: keyguardOptions(emulator0) },
      mainKey,
    ),
  );
  const noCache = row(
    3,
    "@keyguard/hono, cache:false",
    await measure(
      {
        framework: "hono",
        guard: "keyguard",
        options: keyguardOptions(emulator0, { cache: false }),
      },
      mainKey,
    ),
  );
  noCache.ratio = noCache.rps / official.rps;
  noCache.ratioLabel = "vs @unkey/hono";
  noCache.target = 1.0;
  const cached = row(
    3,
    "@keyguard/hono, cache",
    await measure(
      { framework: "hono", guard: "keyguard", options: keyguardOptions(emulator0) },
      mainKey,
    ),
  );
  cached.ratio = cached.rps / official.rps;
  cached.ratioLabel = "vs @unkey/hono";
}

async function burst(emulator20) {
  const server = await startServer({
    framework: "hono",
    guard: "keyguard",
    options: keyguardOptions(emulator20),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: BURST });
  try {
    await emulator20.resetStats();
    const statuses = await Promise.all(
      Array.from(
        { length: BURST },
        () =>
          new Promise((resolve, reject) => {
            const req = request(
              server.url + ROUTE,
              { agent, headers: { authorization: `Bearer ${burstKey}` } },
              (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode));
              },
            );
            req.on("error", reject);
            req.end();
          }),
      ),
    );
    const stats = await emulator20.stats();
    const upstream = stats.calls["keys.verifyKey"] ?? 0;
    const ok = statuses.filter((s) => s === 200).length;
    console.log(`[4] burst of ${BURST} (cold key): ${upstream} upstream call(s), ${ok} × 200`);
    return { requests: BURST, upstream, ok };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

async function memoryRun(emulator, label, nextKey, expectStatus) {
  const server = await startServer({
    framework: "hono",
    guard: "keyguard",
    options: keyguardOptions(emulator),
  });
  try {
    await load(server.url, mainKey, WARMUP_SECONDS); // JIT + steady state before the baseline
    const before = await server.memory();
    const started = performance.now();
    let sent = 0;
    const result = await new Promise((resolve, reject) => {
      const instance = autocannon(
        {
          url: server.url + ROUTE,
          connections: CONNECTIONS,
          amount: MEMORY_KEYS,
          requests: [
            {
              setupRequest: (req) => {
                sent++;
                req.headers = { ...req.headers, authorization: `Bearer ${nextKey()}` };
                return req;
              },
            },
          ],
        },
        (error, value) => {
          clearTimeout(budget);
          if (error) reject(error);
          else resolve(value);
        },
      );
      const budget = setTimeout(() => instance.stop(), MEMORY_SECONDS * 1000);
    });
    const seconds = (performance.now() - started) / 1000;
    const after = await server.memory();
    const statusCount = result[`${expectStatus}`] ?? 0;
    const r = {
      label,
      keys: Math.min(sent, MEMORY_KEYS),
      complete: result.requests.total >= MEMORY_KEYS,
      seconds,
      rssBeforeMB: before.rss / 2 ** 20,
      rssAfterMB: after.rss / 2 ** 20,
      rssGrowthMB: (after.rss - before.rss) / 2 ** 20,
      heapGrowthMB: (after.heapUsed - before.heapUsed) / 2 ** 20,
      cacheSize: after.cacheSize,
      total: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      statusCount,
    };
    r.label = `${r.keys} distinct ${label}${r.complete ? "" : ` (of ${MEMORY_KEYS} planned: ${MEMORY_SECONDS} s budget)`}`;
    console.log(
      `[5] ${r.label}: ${r.total} requests in ${seconds.toFixed(1)} s, RSS +${r.rssGrowthMB.toFixed(1)} MB (heap +${r.heapGrowthMB.toFixed(1)} MB), cache entries ${r.cacheSize}`,
    );
    return r;
  } finally {
    await server.stop();
  }
}

async function memory(emulator0) {
  const invalid = await memoryRun(
    emulator0,
    "random invalid keys",
    () => `sk_${randomBytes(16).toString("base64url")}`,
    "4xx",
  );
  // Valid keys come from a seed (one emulator start, hashed on load) rather than createKey calls.
  const seedStarted = performance.now();
  const prefix = `bench_mem_${randomBytes(6).toString("hex")}_`;
  const keys = Array.from({ length: MEMORY_KEYS }, (_, i) => `${prefix}${i.toString(36)}`);
  const emulator = await startEmulator(0, {
    apis: [{ name: "memory", keys: keys.map((key) => ({ key })) }],
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`[5] seeded ${MEMORY_KEYS} valid keys in ${seedSeconds.toFixed(1)} s`);
  try {
    let i = 0;
    const valid = await memoryRun(emulator, "valid keys", () => keys[i++ % keys.length], "2xx");
    valid.seedSeconds = seedSeconds;
    return { invalid, valid };
  } finally {
    await emulator.stop();
  }
}

// ---------------------------------------------------------------- report

function machine() {
  let model = "unknown";
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? model;
  } catch {}
  return {
    nproc: os.availableParallelism(),
    model,
    memoryGB: os.totalmem() / 2 ** 30,
    node: process.version,
    date: new Date().toISOString(),
    loadavg: os.loadavg(),
  };
}

const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(d));

function render(info, burstResult, mem, totalSeconds) {
  const lines = [];
  lines.push(
    `# keyguard benchmark results${SMOKE ? " (SMOKE MODE: not meaningful numbers)" : ""}`,
    "",
  );
  lines.push(
    `- machine: ${info.nproc} CPUs (\`nproc\`), ${info.model}, ${fmt(info.memoryGB, 1)} GB RAM`,
    `- Node ${info.node}; date ${info.date}; load average at start ${info.loadavg.map((l) => l.toFixed(2)).join(" / ")}`,
    `- ${SECONDS} s per configuration after ${WARMUP_SECONDS} s warm-up, ${CONNECTIONS} connections, autocannon in the parent process, each server in its own child process, emulator in another; all on 127.0.0.1; whole run ${fmt(totalSeconds, 0)} s`,
    "- the machine is shared with other workers: absolute numbers are noisy, compare ratios within a section",
    "",
  );
  lines.push("| # | configuration | req/s | p50 ms | p99 ms | ratio | target | verdict |");
  lines.push("|---|---|---:|---:|---:|---|---|---|");
  for (const r of rows) {
    const ratio = r.ratio === undefined ? "" : `${fmt(r.ratio, 2)}× ${r.ratioLabel}`;
    const target = r.target === undefined ? "" : `≥ ${fmt(r.target, 2)}`;
    const verdict = r.target === undefined ? "" : r.ratio >= r.target ? "meets" : "UNDER";
    const bad =
      r.non2xx || r.errors || !r.total ? ` (non-2xx ${r.non2xx}, errors ${r.errors})` : "";
    lines.push(
      `| ${r.section} | ${r.name}${bad} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${ratio} | ${target} | ${verdict} |`,
    );
  }
  lines.push(
    `| 4 | burst: ${burstResult.requests} concurrent requests, one cold key (emulator +20 ms) | | | | ${burstResult.upstream} upstream call(s), ${burstResult.ok} × 200 | = 1 | ${burstResult.upstream === 1 ? "meets" : "FAILS"} |`,
  );
  for (const m of [mem.invalid, mem.valid]) {
    lines.push(
      `| 5 | memory: ${m.label} | ${fmt(m.total / m.seconds)} | | | RSS +${fmt(m.rssGrowthMB, 1)} MB (${fmt(m.rssBeforeMB, 0)} → ${fmt(m.rssAfterMB, 0)}), heap +${fmt(m.heapGrowthMB, 1)} MB, cache ${m.cacheSize} entries | bounded by cache max (10,000) | ${m.cacheSize <= 10000 ? "bounded" : "UNBOUNDED"} |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

// ---------------------------------------------------------------- main

const started = performance.now();
const info = machine();
console.log(
  `keyguard bench${SMOKE ? " (smoke)" : ""}: ${SECONDS} s per configuration, ${info.nproc} CPUs, Node ${info.node}`,
);
let emulator0;
let emulator20;
try {
  emulator0 = await startEmulator(0, baseSeed);
  emulator20 = await startEmulator(20, baseSeed);
  await throughput(emulator0, emulator20);
  const burstResult = await burst(emulator20);
  const mem = await memory(emulator0);
  const totalSeconds = (performance.now() - started) / 1000;
  const table = render(info, burstResult, mem, totalSeconds);
  console.log(`\n${table}`);
  mkdirSync(OUT_DIR, { recursive: true });
  const notesFile = join(here, "NOTES.md");
  let notesText = "";
  try {
    if (!SMOKE) notesText = readFileSync(notesFile, "utf8");
  } catch {}
  writeFileSync(join(OUT_DIR, "RESULTS.md"), `${table}\n${notesText}${notes.join("\n")}`);
  writeFileSync(
    join(OUT_DIR, "results.json"),
    JSON.stringify(
      { smoke: SMOKE, seconds: SECONDS, machine: info, rows, burst: burstResult, memory: mem },
      null,
      2,
    ),
  );
  console.log(`wrote ${join(OUT_DIR, "RESULTS.md")}`);
} finally {
  await emulator0?.stop();
  await emulator20?.stop();
  for (const child of children) child.kill("SIGKILL");
}
