// Temporary driver: runs one bench section module with a ctx that follows the
// section contract, until run.mjs is restructured to load sections itself.
// Usage: node test/bench/sections/run-section.mjs <cluster|telemetry|file name> (BENCH_SMOKE=1 for smoke).
import { execFileSync, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ROUTE } from "../apps.mjs";

const bench = join(dirname(fileURLToPath(import.meta.url)), "..");
const smoke = process.env.BENCH_SMOKE === "1";
const seconds = smoke ? 0.5 : Number(process.env.BENCH_SECONDS ?? 1.5);
const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const canPin = process.env.BENCH_PIN !== "0" && os.availableParallelism() >= 2 && tasksetWorks();
const children = new Set();

function tasksetWorks() {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const pin = (cpu) => (pid) => {
  if (canPin) execFileSync("taskset", ["-a", "-p", "-c", cpu, String(pid)], { stdio: "ignore" });
};
const pinToLoadCpu = pin("0");
const pinToServerCpu = pin("1");

function startChild(file, args, execArgv, pinTo) {
  const child = fork(join(bench, file), args, {
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  pinTo(child.pid);
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function ask(child, message, replyType) {
  return new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`child exited (${code}) before ${replyType}`));
    const onMessage = (reply) => {
      if (reply.type !== replyType && reply.type !== "error") return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (reply.type === "error") reject(new Error(reply.message));
      else resolve(reply);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
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
  const seedFile = join(os.tmpdir(), `keyguard-section-seed-${process.pid}-${Date.now()}.json`);
  writeFileSync(seedFile, JSON.stringify(seed));
  const child = startChild("emulator.mjs", [String(latencyMs), seedFile], [], pinToLoadCpu);
  const ready = await ask(child, undefined, "ready");
  return {
    url: ready.url,
    rootKey: ready.rootKey,
    stats: async () => (await ask(child, { type: "stats" }, "stats")).stats,
    resetStats: () => ask(child, { type: "resetStats" }, "resetStats"),
    stop: () => stopChild(child),
  };
}

async function startServer(config) {
  const child = startChild("server.mjs", [], ["--expose-gc"], pinToServerCpu);
  const ready = await ask(child, { type: "start", config }, "ready");
  return {
    url: ready.url,
    cpuMicros: async () => (await ask(child, { type: "cpu" }, "cpu")).micros,
    close: () => stopChild(child),
  };
}

async function load(url, key, duration) {
  const r = await autocannon({
    url: url + ROUTE,
    connections,
    duration,
    headers: { authorization: `Bearer ${key}` },
  });
  const total = r.requests.total;
  return { rps: total / r.duration, p50: r.latency.p50, p99: r.latency.p99, total, ...r };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Same shape as run.mjs's compare: checked, warmed, interleaved rounds, medians. */
async function compare(configs, key) {
  const servers = [];
  try {
    for (const config of configs) {
      const server = await startServer(config);
      servers.push(server);
      const status = (await fetch(server.url + ROUTE)).status;
      if (status !== (config.guard === "keyguard" ? 401 : 200))
        throw new Error(`${config.framework}/${config.guard}: no key answered ${status}`);
      await load(server.url, key, smoke ? 0.2 : 1);
    }
    const samples = configs.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (const [i, server] of servers.entries()) {
        const before = await server.cpuMicros();
        const m = await load(server.url, key, seconds);
        m.cpuPerRequest = ((await server.cpuMicros()) - before) / m.total;
        samples[i].push(m);
      }
    }
    return samples.map((runs) => ({
      rps: median(runs.map((m) => m.rps)),
      p50: median(runs.map((m) => m.p50)),
      p99: median(runs.map((m) => m.p99)),
      cpuPerRequest: median(runs.map((m) => m.cpuPerRequest)),
      total: runs.reduce((sum, m) => sum + m.total, 0),
      non2xx: runs.reduce((sum, m) => sum + m.non2xx, 0),
      errors: runs.reduce((sum, m) => sum + m.errors + m.timeouts, 0),
      rounds: runs.map((m) => Math.round(m.rps)),
    }));
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

const name = process.argv[2];
if (!name) throw new Error("usage: node test/bench/sections/run-section.mjs <section>");
const section = await import(`./${name}.mjs`);
const rows = [];
const notes = [];
const ctx = {
  smoke,
  seconds,
  rounds,
  connections,
  startEmulator,
  startServer,
  compare,
  row: (row) => {
    rows.push(row);
    console.log(`[${section.id}] ${row.name}: ${row.result ?? ""} ${row.verdict ?? ""}`);
  },
  note: (text) => notes.push(text),
  pinToServerCpu,
  pinToLoadCpu,
};
pinToLoadCpu(process.pid);
const started = performance.now();
try {
  await section.run(ctx);
} finally {
  for (const child of children) child.kill("SIGKILL");
}
const cell = (v, d) => (typeof v === "number" ? v.toFixed(d) : (v ?? ""));
console.log(
  "\n| # | configuration | req/s | p50 ms | p99 ms | server CPU µs/req | result | target | verdict |",
);
console.log("|---|---|---:|---:|---:|---:|---|---|---|");
for (const r of rows) {
  const cells = [r.name, cell(r.rps, 0), cell(r.p50, 1), cell(r.p99, 1), cell(r.cpuPerRequest, 1)];
  console.log(
    `| ${section.id} | ${[...cells, r.result, r.target, r.verdict].map((c) => c ?? "").join(" | ")} |`,
  );
}
console.log(`\n${notes.join("\n\n")}`);
console.log(
  `\n${section.title}: ${((performance.now() - started) / 1000).toFixed(1)} s; loadavg ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ")}`,
);
