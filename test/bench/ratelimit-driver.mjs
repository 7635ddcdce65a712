// A stand-in for run.mjs (being rewritten to the section contract at the same time):
// runs one section module with the contract's `ctx`, unpinned, and prints its rows.
// Usage: node test/bench/ratelimit-driver.mjs [section file]   (BENCH_SMOKE=1 for tiny counts)
// Remove once run.mjs loads test/bench/sections/*.mjs itself.
import { fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { ROUTE } from "./apps.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const smoke = process.env.BENCH_SMOKE === "1";
const seconds = smoke ? 0.5 : Number(process.env.BENCH_SECONDS ?? 1.5);
const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

function child(file, args = [], execArgv = []) {
  return fork(join(here, file), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function ask(proc, message, type) {
  return new Promise((resolveAsk, reject) => {
    const onMessage = (reply) => {
      if (reply.type !== type && reply.type !== "error") return;
      proc.off("message", onMessage);
      if (reply.type === "error") reject(new Error(reply.message));
      else resolveAsk(reply);
    };
    proc.on("message", onMessage);
    if (message !== undefined) proc.send(message);
  });
}

const stop = (proc) =>
  new Promise((done) => {
    if (proc.exitCode !== null) return done();
    proc.once("exit", done);
    proc.send({ type: "stop" });
  });

async function startEmulator(latencyMs, seed) {
  const seedFile = join(os.tmpdir(), `keyguard-rl-driver-${process.pid}-${Date.now()}.json`);
  writeFileSync(seedFile, JSON.stringify(seed));
  const proc = child("emulator.mjs", [String(latencyMs), seedFile]);
  const ready = await ask(proc, undefined, "ready");
  return {
    url: ready.url,
    rootKey: ready.rootKey,
    stats: async () => (await ask(proc, { type: "stats" }, "stats")).stats,
    resetStats: () => ask(proc, { type: "resetStats" }, "resetStats"),
    stop: () => stop(proc),
  };
}

async function startServer(config) {
  const proc = child("server.mjs", [], ["--expose-gc"]);
  const ready = await ask(proc, { type: "start", config }, "ready");
  const cpuMicros = async () => (await ask(proc, { type: "cpu" }, "cpu")).micros;
  return { url: ready.url, cpuMicros, close: () => stop(proc) };
}

async function load(url, key, duration) {
  const r = await autocannon({
    url: url + ROUTE,
    connections,
    duration,
    headers: { authorization: `Bearer ${key}` },
  });
  return {
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function compare(configs, key) {
  const servers = [];
  try {
    for (const config of configs) {
      const server = await startServer(config);
      servers.push(server);
      await load(server.url, key, smoke ? 0.2 : 1);
    }
    const samples = configs.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (const [i, server] of servers.entries()) {
        const cpu = await server.cpuMicros();
        const m = await load(server.url, key, seconds);
        m.cpuPerRequest = ((await server.cpuMicros()) - cpu) / m.total;
        samples[i].push(m);
      }
    }
    return samples.map((runs) => ({
      rps: median(runs.map((m) => m.rps)),
      p50: median(runs.map((m) => m.p50)),
      p99: median(runs.map((m) => m.p99)),
      cpuPerRequest: median(runs.map((m) => m.cpuPerRequest)),
      total: runs.reduce((s, m) => s + m.total, 0),
      non2xx: runs.reduce((s, m) => s + m.non2xx, 0),
      errors: runs.reduce((s, m) => s + m.errors, 0),
      rounds: runs.map((m) => Math.round(m.rps)),
    }));
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

const section = await import(
  pathToFileURL(resolve(process.argv[2] ?? join(here, "sections/ratelimit.mjs"))).href
);
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
  row: (row) => rows.push({ id: section.id, ...row }),
  note: (text) => notes.push(text),
  pinToServerCpu: () => {},
  pinToLoadCpu: () => {},
};
const started = performance.now();
await section.run(ctx);
const num = (n, d = 0) => (n === undefined ? "" : n.toFixed(d));
console.log(
  "| # | configuration | req/s | p50 ms | p99 ms | server CPU µs/req | result | target | verdict |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const cells = [r.id, r.name, num(r.rps), num(r.p50, 1), num(r.p99, 1), num(r.cpuPerRequest)];
  console.log(`| ${[...cells, r.result ?? "", r.target ?? "", r.verdict ?? ""].join(" | ")} |`);
}
for (const text of notes) console.log(`\n${text}`);
console.log(`\n(${section.title}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
