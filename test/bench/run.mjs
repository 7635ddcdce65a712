// keyguard benchmark harness: `pnpm bench` (full) or BENCH_SMOKE=1 (smoke).
// Every server configuration runs in its own child process (server.mjs), the
// emulator in another (emulator.mjs), autocannon here, all on 127.0.0.1.
import { execFileSync, fork } from "node:child_process";
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
// Seconds per round; every configuration gets ROUNDS rounds, interleaved with the ones it is compared with.
const SECONDS = SMOKE ? 0.5 : Number(process.env.BENCH_SECONDS ?? 1.5);
const ROUNDS = SMOKE ? 1 : Number(process.env.BENCH_ROUNDS ?? 4);
const WARMUP_SECONDS = SMOKE ? 0.2 : 1;
const MEMORY_KEYS = Number(process.env.BENCH_MEMORY_KEYS ?? (SMOKE ? 1000 : 100_000));
// Each memory run stops after this budget even if not every key was sent (each key is an upstream call).
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? (SMOKE ? 60 : 90));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BURST = 1000;
const FRAMEWORKS = (process.env.BENCH_FRAMEWORKS ?? "express,hono,fastify,nestjs-express")
  .split(",")
  .map((name) => name.trim());
// Which sections to run (all by default), e.g. BENCH_SECTIONS=1 while tuning the cached path.
const SECTIONS = new Set(
  (process.env.BENCH_SECTIONS ?? "1,2,3,4,5").split(",").map((s) => Number(s.trim())),
);
// Only a full run replaces the committed RESULTS.md; smoke and partial runs write to a temp dir.
const FULL = !SMOKE && SECTIONS.size === 5 && FRAMEWORKS.length === 4;
const OUT_DIR =
  process.env.BENCH_OUT_DIR ??
  (FULL ? here : join(os.tmpdir(), SMOKE ? "keyguard-bench-smoke" : "keyguard-bench-partial"));

if (!(SECONDS > 0)) throw new Error("BENCH_SECONDS must be a positive number");
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1))
  throw new Error("BENCH_ROUNDS must be a whole number ≥ 1");
if (!(MEMORY_KEYS >= 1)) throw new Error("BENCH_MEMORY_KEYS must be at least 1");
if (![...SECTIONS].every((n) => n >= 1 && n <= 5))
  throw new Error("BENCH_SECTIONS must list section numbers from 1 to 5, e.g. 1,3");

// ---------------------------------------------------------------- children

const children = new Set();

// Servers get CPU 1 to themselves; the load generator (this process) and the emulators
// share CPU 0. Unpinned, the scheduler moves them about, and a server's per-request cost
// (its socket writes wake the client) swings with whoever shares its core.
const PIN = process.env.BENCH_PIN !== "0" && os.availableParallelism() >= 2 && canPin();
const LOAD_CPU = "0";
const SERVER_CPU = "1";

function canPin() {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function pin(pid, cpu) {
  if (PIN) execFileSync("taskset", ["-a", "-p", "-c", cpu, String(pid)], { stdio: "ignore" });
}
// Read before pinning: once pinned, this process sees one CPU.
const CPUS = os.availableParallelism();
pin(process.pid, LOAD_CPU);

function startChild(file, args = [], execArgv = [], cpu = LOAD_CPU) {
  const child = fork(join(here, file), args, {
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  pin(child.pid, cpu);
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
  const child = startChild("server.mjs", [], ["--expose-gc", ...execArgv], SERVER_CPU);
  const ready = await ask(child, { type: "start", config }, "ready");
  return {
    url: ready.url,
    memory: () => ask(child, { type: "memory" }, "memory"),
    cpuMicros: async () => (await ask(child, { type: "cpu" }, "cpu")).micros,
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

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One round of load on a running server, with the server's own CPU time per request. */
async function round(server, key) {
  const cpuBefore = await server.cpuMicros();
  const measured = await load(server.url, key, SECONDS);
  // Unlike req/s, CPU per request does not depend on whether the load generator (sharing
  // this 2-core machine) or the server was the bottleneck.
  measured.cpuPerRequest = ((await server.cpuMicros()) - cpuBefore) / measured.total;
  return measured;
}

/**
 * Measures configurations that are compared with each other. Each runs in its own
 * process, all started up front (an idle server costs nothing); each is checked (a
 * guarded one must refuse a request without a key) and warmed (JIT, and the one key's
 * cache entry); then the rounds interleave (A B C, A B C, …) so that a slow moment of
 * this shared machine falls on every configuration alike, and each figure is the
 * median over the rounds.
 */
async function compare(configs, key) {
  const servers = [];
  try {
    for (const config of configs) {
      const server = await startServer(config);
      servers.push(server);
      const unauthenticated = (await fetch(server.url + ROUTE)).status;
      const expected = config.guard === "none" || config.guard === "noop" ? 200 : 401;
      if (unauthenticated !== expected) {
        throw new Error(
          `${config.framework}/${config.guard}: no key answered ${unauthenticated}, expected ${expected}`,
        );
      }
      await load(server.url, key, WARMUP_SECONDS);
    }
    const samples = configs.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, server] of servers.entries()) samples[i].push(await round(server, key));
    }
    return samples.map((runs) => ({
      rps: median(runs.map((m) => m.rps)),
      p50: median(runs.map((m) => m.p50)),
      p99: median(runs.map((m) => m.p99)),
      cpuPerRequest: median(runs.map((m) => m.cpuPerRequest)),
      total: runs.reduce((sum, m) => sum + m.total, 0),
      non2xx: runs.reduce((sum, m) => sum + m.non2xx, 0),
      errors: runs.reduce((sum, m) => sum + m.errors, 0),
      rounds: runs.map((m) => Math.round(m.rps)),
    }));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
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
  const cpu = m.cpuPerRequest === undefined ? "" : ` cpu=${m.cpuPerRequest.toFixed(1)}µs/req`;
  const rounds = m.rounds?.length > 1 ? ` rounds=${m.rounds.join("/")}` : "";
  console.log(
    `[${section}] ${name}: ${Math.round(m.rps)} req/s p50=${m.p50} p99=${m.p99}${cpu}${rounds}${tag}`,
  );
  return r;
}

async function throughput(emulator0, emulator20) {
  // 1. bare vs guarded (warm cache) per framework, with a pass-through middleware between
  //    them to tell the framework's cost of any middleware from keyguard's own.
  for (const framework of FRAMEWORKS) {
    if (!SECTIONS.has(1)) break;
    const [bareM, noopM, guardedM] = await compare(
      [
        { framework, guard: "none" },
        { framework, guard: "noop" },
        { framework, guard: "keyguard", options: keyguardOptions(emulator0) },
      ],
      mainKey,
    );
    const bare = row(1, `${framework} bare`, bareM);
    const noop = row(1, `${framework} pass-through middleware`, noopM);
    noop.ratio = noop.rps / bare.rps;
    noop.ratioLabel = "noop/bare";
    const guarded = row(1, `${framework} guarded (warm cache)`, guardedM);
    guarded.ratio = guarded.rps / bare.rps;
    guarded.ratioLabel = "guarded/bare";
    guarded.target = 0.95;
    guarded.extra = `${fmt(guarded.rps / noop.rps, 2)}× guarded/noop; keyguard ${fmt(guarded.cpuPerRequest - noop.cpuPerRequest, 1)} µs CPU/req over noop`;
  }
  // 2. Hono with vs without the cache, emulator at 0 and 20 ms
  const latencies = SECTIONS.has(2)
    ? [
        [0, emulator0],
        [20, emulator20],
      ]
    : [];
  for (const [latency, emulator] of latencies) {
    const [offM, onM] = await compare(
      [
        {
          framework: "hono",
          guard: "keyguard",
          options: keyguardOptions(emulator, { cache: false }),
        },
        { framework: "hono", guard: "keyguard", options: keyguardOptions(emulator) },
      ],
      mainKey,
    );
    row(2, `hono guarded, cache:false, emulator +${latency} ms`, offM);
    const on = row(2, `hono guarded, cache, emulator +${latency} ms`, onM);
    on.ratio = on.rps / offM.rps;
    on.ratioLabel = "cache/no cache";
  }
  // 3. @keyguard/hono vs @unkey/hono 2.x, emulator +0 ms
  if (!SECTIONS.has(3)) return;
  const [officialM, noCacheM, cachedM] = await compare(
    [
      { framework: "hono", guard: "unkey-hono", options: keyguardOptions(emulator0) },
      {
        framework: "hono",
        guard: "keyguard",
        options: keyguardOptions(emulator0, { cache: false }),
      },
      { framework: "hono", guard: "keyguard", options: keyguardOptions(emulator0) },
    ],
    mainKey,
  );
  const official = row(3, "@unkey/hono 2.x (fetch → emulator)", officialM);
  const noCache = row(3, "@keyguard/hono, cache:false", noCacheM);
  noCache.ratio = noCache.rps / official.rps;
  noCache.ratioLabel = "vs @unkey/hono";
  noCache.target = 1.0;
  const cached = row(3, "@keyguard/hono, cache", cachedM);
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

/** Sends `count` requests, each with the next distinct key, unless the budget runs out first. */
function sendDistinct(url, count, nextKey, budgetMs) {
  let sent = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: url + ROUTE,
        connections: CONNECTIONS,
        amount: count,
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
      (error, result) => {
        clearTimeout(budget);
        if (error) reject(error);
        else resolve({ result, sent: Math.min(sent, count) });
      },
    );
    const budget = setTimeout(() => instance.stop(), Math.max(1, budgetMs));
  });
}

async function memoryRun(emulator, label, nextKey) {
  const server = await startServer({
    framework: "hono",
    guard: "keyguard",
    options: keyguardOptions(emulator),
  });
  try {
    await load(server.url, mainKey, WARMUP_SECONDS); // JIT + steady state before the baseline
    const before = await server.memory();
    const started = performance.now();
    // In two halves, so that the table shows whether the second half still grows memory.
    const half = Math.ceil(MEMORY_KEYS / 2);
    const first = await sendDistinct(server.url, half, nextKey, MEMORY_SECONDS * 1000);
    const middle = await server.memory();
    const elapsedMs = performance.now() - started;
    const second = await sendDistinct(
      server.url,
      MEMORY_KEYS - half,
      nextKey,
      MEMORY_SECONDS * 1000 - elapsedMs,
    );
    const seconds = (performance.now() - started) / 1000;
    const after = await server.memory();
    const mb = (bytes) => bytes / 2 ** 20;
    const runs = [first.result, second.result];
    const r = {
      label,
      keys: first.sent + second.sent,
      keysAtMiddle: first.sent,
      complete: first.sent + second.sent >= MEMORY_KEYS,
      seconds,
      rssBeforeMB: mb(before.rss),
      rssMiddleMB: mb(middle.rss),
      rssAfterMB: mb(after.rss),
      rssGrowthMB: mb(after.rss - before.rss),
      rssSecondHalfMB: mb(after.rss - middle.rss),
      heapGrowthMB: mb(after.heapUsed - before.heapUsed),
      heapSecondHalfMB: mb(after.heapUsed - middle.heapUsed),
      cacheSize: after.cacheSize,
      total: runs.reduce((sum, run) => sum + run.requests.total, 0),
      non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
      errors: runs.reduce((sum, run) => sum + run.errors + run.timeouts, 0),
    };
    r.label = `${r.keys} distinct ${label}${r.complete ? "" : ` (of ${MEMORY_KEYS} planned: ${MEMORY_SECONDS} s budget)`}`;
    console.log(
      `[5] ${r.label}: ${r.total} requests in ${seconds.toFixed(1)} s, RSS +${r.rssGrowthMB.toFixed(1)} MB (of which +${r.rssSecondHalfMB.toFixed(1)} MB in the second half; heap +${r.heapGrowthMB.toFixed(1)} MB), cache entries ${r.cacheSize}`,
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
    const valid = await memoryRun(emulator, "valid keys", () => keys[i++ % keys.length]);
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
    nproc: CPUS,
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
    `- ${ROUNDS} round(s) of ${SECONDS} s per configuration, interleaved with the configurations it is compared with, after ${WARMUP_SECONDS} s warm-up; medians over the rounds; ${CONNECTIONS} connections; autocannon in the parent process, each server in its own child process, emulator in another; ${PIN ? "servers pinned to CPU 1, load generator and emulators to CPU 0" : "no CPU pinning"}; all on 127.0.0.1; whole run ${fmt(totalSeconds, 0)} s`,
    "- the machine is shared with other workers: absolute numbers are noisy, compare ratios within a section",
    "",
  );
  lines.push(
    "| # | configuration | req/s | p50 ms | p99 ms | server CPU µs/req | ratio | target | verdict |",
  );
  lines.push("|---|---|---:|---:|---:|---:|---|---|---|");
  for (const r of rows) {
    let ratio = r.ratio === undefined ? "" : `${fmt(r.ratio, 2)}× ${r.ratioLabel}`;
    if (r.extra) ratio += ` (${r.extra})`;
    const target = r.target === undefined ? "" : `≥ ${fmt(r.target, 2)}`;
    const verdict = r.target === undefined ? "" : r.ratio >= r.target ? "meets" : "UNDER";
    const bad =
      r.non2xx || r.errors || !r.total ? ` (non-2xx ${r.non2xx}, errors ${r.errors})` : "";
    lines.push(
      `| ${r.section} | ${r.name}${bad} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${fmt(r.cpuPerRequest, 1)} | ${ratio} | ${target} | ${verdict} |`,
    );
  }
  if (burstResult)
    lines.push(
      `| 4 | burst: ${burstResult.requests} concurrent requests, one cold key (emulator +20 ms) | | | | | ${burstResult.upstream} upstream call(s), ${burstResult.ok} × 200 | = 1 | ${burstResult.upstream === 1 ? "meets" : "FAILS"} |`,
    );
  for (const m of mem ? [mem.invalid, mem.valid] : []) {
    lines.push(
      `| 5 | memory: ${m.label} | ${fmt(m.total / m.seconds)} | | | | RSS +${fmt(m.rssGrowthMB, 1)} MB (${fmt(m.rssBeforeMB, 0)} → ${fmt(m.rssMiddleMB, 0)} after ${m.keysAtMiddle} keys → ${fmt(m.rssAfterMB, 0)}), heap +${fmt(m.heapGrowthMB, 1)} MB (second half ${m.heapSecondHalfMB >= 0 ? "+" : ""}${fmt(m.heapSecondHalfMB, 1)} MB), cache ${m.cacheSize} entries | bounded by cache max (10,000) | ${m.cacheSize <= 10000 ? "bounded" : "UNBOUNDED"} |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

// ---------------------------------------------------------------- main

const started = performance.now();
const info = machine();
console.log(
  `keyguard bench${SMOKE ? " (smoke)" : ""}: ${ROUNDS} × ${SECONDS} s per configuration, ${info.nproc} CPUs, Node ${info.node}`,
);
let emulator0;
let emulator20;
try {
  emulator0 = await startEmulator(0, baseSeed);
  emulator20 = await startEmulator(20, baseSeed);
  await throughput(emulator0, emulator20);
  const burstResult = SECTIONS.has(4) ? await burst(emulator20) : undefined;
  const mem = SECTIONS.has(5) ? await memory(emulator0) : undefined;
  const totalSeconds = (performance.now() - started) / 1000;
  const table = render(info, burstResult, mem, totalSeconds);
  console.log(`\n${table}`);
  mkdirSync(OUT_DIR, { recursive: true });
  const notesFile = join(here, "NOTES.md");
  let notesText = "";
  try {
    if (FULL) notesText = readFileSync(notesFile, "utf8");
  } catch {}
  writeFileSync(join(OUT_DIR, "RESULTS.md"), `${table}\n${notesText}${notes.join("\n")}`);
  writeFileSync(
    join(OUT_DIR, "results.json"),
    JSON.stringify(
      {
        smoke: SMOKE,
        seconds: SECONDS,
        rounds: ROUNDS,
        machine: info,
        rows,
        burst: burstResult,
        memory: mem,
      },
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
