// keyguard benchmark harness: `pnpm bench` (full) or BENCH_SMOKE=1 (smoke).
// Every server configuration runs in its own child process (server.mjs), each emulator in
// another (emulator.mjs), autocannon here, all on 127.0.0.1. The sections are the modules in
// ./sections (each exports `id`, `title` and `run(ctx)`); this file builds `ctx` for them:
// children, emulators, servers, interleaved measurement, and the table.
import { execFileSync, fork } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { ROUTE } from "./apps.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SMOKE = process.env.BENCH_SMOKE === "1";
// Seconds per round; every configuration gets ROUNDS rounds, interleaved with the ones it is compared with.
const SECONDS = SMOKE ? 0.5 : Number(process.env.BENCH_SECONDS ?? 1.5);
const ROUNDS = SMOKE ? 1 : Number(process.env.BENCH_ROUNDS ?? 4);
const WARMUP_SECONDS = SMOKE ? 0.2 : 1;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ALL_FRAMEWORKS = ["express", "hono", "fastify", "nestjs-express"];
const FRAMEWORKS = (process.env.BENCH_FRAMEWORKS ?? ALL_FRAMEWORKS.join(","))
  .split(",")
  .map((name) => name.trim());

if (!(SECONDS > 0)) throw new Error("BENCH_SECONDS must be a positive number");
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1))
  throw new Error("BENCH_ROUNDS must be a whole number ≥ 1");
if (!(Number.isInteger(CONNECTIONS) && CONNECTIONS >= 1))
  throw new Error("BENCH_CONNECTIONS must be a whole number ≥ 1");
for (const name of FRAMEWORKS) {
  if (!ALL_FRAMEWORKS.includes(name))
    throw new Error(`BENCH_FRAMEWORKS: unknown framework "${name}" (${ALL_FRAMEWORKS.join(", ")})`);
}

// ---------------------------------------------------------------- sections

/** Every section module in ./sections, sorted by id. */
async function discoverSections() {
  const dir = join(here, "sections");
  const files = readdirSync(dir).filter((file) => file.endsWith(".mjs"));
  const modules = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(join(dir, file)).href);
    if (!Number.isInteger(mod.id) || typeof mod.title !== "string" || typeof mod.run !== "function")
      throw new Error(`sections/${file} must export id (integer), title (string) and run(ctx)`);
    modules.push({ id: mod.id, title: mod.title, run: mod.run, file });
  }
  modules.sort((a, b) => a.id - b.id);
  for (let i = 1; i < modules.length; i++) {
    if (modules[i].id === modules[i - 1].id)
      throw new Error(
        `sections ${modules[i - 1].file} and ${modules[i].file} share id ${modules[i].id}`,
      );
  }
  return modules;
}

/** BENCH_SECTIONS: a comma-separated list of section ids or titles; all sections when unset. */
function selectSections(all) {
  const wanted = process.env.BENCH_SECTIONS;
  if (wanted === undefined || wanted.trim() === "") return all;
  const picked = new Set();
  for (const token of wanted.split(",").map((s) => s.trim().toLowerCase())) {
    const found = all.find((s) => String(s.id) === token || s.title.toLowerCase() === token);
    if (!found)
      throw new Error(
        `BENCH_SECTIONS: no section "${token}"; known: ${all.map((s) => `${s.id} (${s.title})`).join(", ")}`,
      );
    picked.add(found);
  }
  return all.filter((s) => picked.has(s));
}

const ALL_SECTIONS = await discoverSections();
const SECTIONS = selectSections(ALL_SECTIONS);
// Only a full run replaces the committed RESULTS.md; smoke and partial runs write to a temp dir.
const FULL =
  !SMOKE &&
  SECTIONS.length === ALL_SECTIONS.length &&
  ALL_FRAMEWORKS.every((f) => FRAMEWORKS.includes(f));
const OUT_DIR =
  process.env.BENCH_OUT_DIR ??
  (FULL ? here : join(os.tmpdir(), SMOKE ? "keyguard-bench-smoke" : "keyguard-bench-partial"));

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

let seedFiles = 0;
async function startEmulator(latencyMs = 0, seed = undefined) {
  const args = [String(latencyMs)];
  if (seed !== undefined) {
    const seedFile = join(os.tmpdir(), `keyguard-bench-seed-${process.pid}-${seedFiles++}.json`);
    writeFileSync(seedFile, JSON.stringify(seed));
    args.push(seedFile);
  }
  const child = startChild("emulator.mjs", args);
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
  const stop = () => stopChild(child);
  return {
    url: ready.url,
    pid: child.pid,
    memory: () => ask(child, { type: "memory" }, "memory"),
    /** The server's CPU time so far (µs), user and system apart. */
    cpu: async () => {
      const { user, system } = await ask(child, { type: "cpu" }, "cpu");
      return { user, system };
    },
    stop,
    close: stop,
  };
}

// ---------------------------------------------------------------- load

/** Loads GET /hello with one key for `seconds`: req/s, latency percentiles, counts. */
async function load(url, key, seconds, connections = CONNECTIONS) {
  const result = await autocannon({
    url: url + ROUTE,
    connections,
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

/**
 * One round of load on a running server, with the server's own CPU time per request: user
 * and system apart (system is the kernel's work for the server's sockets, which instruction
 * counts never see), and their sum.
 */
async function round(server, key) {
  const before = await server.cpu();
  const measured = await load(server.url, key, SECONDS);
  const after = await server.cpu();
  // Unlike req/s, CPU per request does not depend on whether the load generator (sharing
  // this 2-core machine) or the server was the bottleneck.
  measured.userPerRequest = (after.user - before.user) / measured.total;
  measured.systemPerRequest = (after.system - before.system) / measured.total;
  measured.cpuPerRequest = measured.userPerRequest + measured.systemPerRequest;
  return measured;
}

/** Configurations that let a request without a key through; every other one must answer 401. */
const OPEN_GUARDS = new Set(["none", "noop"]);

/**
 * Measures configurations that are compared with each other. Each runs in its own
 * process, all started up front (an idle server costs nothing); each is checked (a
 * guarded one must refuse a request without a key) and warmed (JIT, and the one key's
 * cache entry); then the rounds interleave (A B C, A B C, …) so that a slow moment of
 * this shared machine falls on every configuration alike, and each figure is the
 * median over the rounds. `cpuRounds` (`userRounds`, `systemRounds`) keeps each round's CPU
 * per request, so that a section can take the median of paired (same-round) differences.
 */
async function compare(configs, key) {
  const servers = [];
  try {
    for (const config of configs) {
      const server = await startServer(config);
      servers.push(server);
      const unauthenticated = (await fetch(server.url + ROUTE)).status;
      const expected = OPEN_GUARDS.has(config.guard) ? 200 : 401;
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
      userPerRequest: median(runs.map((m) => m.userPerRequest)),
      systemPerRequest: median(runs.map((m) => m.systemPerRequest)),
      total: runs.reduce((sum, m) => sum + m.total, 0),
      non2xx: runs.reduce((sum, m) => sum + m.non2xx, 0),
      errors: runs.reduce((sum, m) => sum + m.errors, 0),
      rounds: runs.map((m) => Math.round(m.rps)),
      cpuRounds: runs.map((m) => m.cpuPerRequest),
      userRounds: runs.map((m) => m.userPerRequest),
      systemRounds: runs.map((m) => m.systemPerRequest),
    }));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

// ---------------------------------------------------------------- rows

const rows = [];
const notes = [];
const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(d));

function addRow(section, r) {
  if (typeof r?.name !== "string") throw new Error(`section ${section.id}: a row needs a name`);
  const stored = { section: section.id, ...r };
  rows.push(stored);
  const parts = [`[${section.id}] ${r.name}:`];
  if (r.rps !== undefined) parts.push(`${Math.round(r.rps)} req/s`);
  if (r.p50 !== undefined) parts.push(`p50=${r.p50} p99=${r.p99}`);
  if (r.cpuPerRequest !== undefined) {
    const split =
      r.userPerRequest === undefined
        ? ""
        : ` (user ${r.userPerRequest.toFixed(1)}, system ${r.systemPerRequest.toFixed(1)})`;
    parts.push(`cpu=${r.cpuPerRequest.toFixed(1)}µs/req${split}`);
  }
  if (r.rounds?.length > 1) parts.push(`rounds=${r.rounds.join("/")}`);
  if (r.result) parts.push(`→ ${r.result}`);
  if (r.verdict) parts.push(`[${r.target ?? ""} ${r.verdict}]`);
  if (r.non2xx || r.errors) parts.push(`(!! non2xx=${r.non2xx} errors=${r.errors})`);
  console.log(parts.join(" "));
  return stored;
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

const cell = (value) => (value === undefined ? "" : String(value).replaceAll("|", "\\|"));

function render(info, totalSeconds) {
  const lines = [];
  lines.push(
    `# keyguard benchmark results${SMOKE ? " (SMOKE MODE: not meaningful numbers)" : ""}`,
    "",
  );
  lines.push(
    `- machine: ${info.nproc} CPUs (\`nproc\`), ${info.model}, ${fmt(info.memoryGB, 1)} GB RAM`,
    `- Node ${info.node}; date ${info.date}; load average at start ${info.loadavg.map((l) => l.toFixed(2)).join(" / ")}, at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}`,
    `- sections: ${SECTIONS.map((s) => `${s.id} ${s.title}`).join(", ")}; frameworks: ${FRAMEWORKS.join(", ")}`,
    `- ${ROUNDS} round(s) of ${SECONDS} s per configuration, interleaved with the configurations it is compared with, after ${WARMUP_SECONDS} s warm-up; medians over the rounds; ${CONNECTIONS} connections; autocannon in the parent process, each server in its own child process, emulators in others; ${PIN ? "servers pinned to CPU 1, load generator and emulators to CPU 0" : "no CPU pinning"}; all on 127.0.0.1; whole run ${fmt(totalSeconds, 0)} s`,
    "- the machine is shared with other workers: absolute numbers are noisy, compare ratios within a section",
    "",
  );
  lines.push(
    "| # | configuration | req/s | p50 ms | p99 ms | server CPU µs/req | user + system | result | target | verdict |",
  );
  lines.push("|---|---|---:|---:|---:|---:|---:|---|---|---|");
  for (const r of rows) {
    const bad = r.non2xx || r.errors ? ` (non-2xx ${r.non2xx}, errors ${r.errors})` : "";
    lines.push(
      `| ${r.section} | ${cell(r.name)}${bad} | ${fmt(r.rps)} | ${cell(r.p50)} | ${cell(r.p99)} | ${fmt(r.cpuPerRequest, 1)} | ${r.userPerRequest === undefined ? "" : `${fmt(r.userPerRequest, 1)} + ${fmt(r.systemPerRequest, 1)}`} | ${cell(r.result)} | ${cell(r.target)} | ${cell(r.verdict)} |`,
    );
  }
  lines.push("");
  for (const note of notes) lines.push(note, "");
  return lines.join("\n");
}

// ---------------------------------------------------------------- main

const started = performance.now();
const info = machine();
console.log(
  `keyguard bench${SMOKE ? " (smoke)" : ""}: sections ${SECTIONS.map((s) => s.id).join(",")}, ${ROUNDS} × ${SECONDS} s per configuration, ${info.nproc} CPUs, Node ${info.node}, load ${info.loadavg.map((l) => l.toFixed(2)).join(" ")}`,
);

function contextFor(section) {
  return {
    smoke: SMOKE,
    seconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    warmupSeconds: WARMUP_SECONDS,
    frameworks: FRAMEWORKS,
    route: ROUTE,
    startEmulator,
    startServer,
    compare,
    load,
    median,
    row: (r) => addRow(section, r),
    /** The rows a section (an earlier one, or this one) has added so far in this run. */
    rowsOf: (sectionId) => rows.filter((r) => r.section === sectionId),
    note: (text) => notes.push(`**${section.id} (${section.title}).** ${text}`),
    pinToServerCpu: (pid) => pin(pid, SERVER_CPU),
    pinToLoadCpu: (pid) => pin(pid, LOAD_CPU),
  };
}

try {
  for (const section of SECTIONS) {
    const sectionStarted = performance.now();
    await section.run(contextFor(section));
    console.log(
      `[${section.id}] ${section.title}: ${((performance.now() - sectionStarted) / 1000).toFixed(1)} s`,
    );
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const table = render(info, totalSeconds);
  console.log(`\n${table}`);
  mkdirSync(OUT_DIR, { recursive: true });
  let notesText = "";
  try {
    if (FULL) notesText = readFileSync(join(here, "NOTES.md"), "utf8");
  } catch {}
  writeFileSync(join(OUT_DIR, "RESULTS.md"), `${table}\n${notesText}`);
  const sections = SECTIONS.map(({ id, title }) => ({ id, title }));
  const json = { smoke: SMOKE, seconds: SECONDS, rounds: ROUNDS, machine: info, sections, rows };
  writeFileSync(join(OUT_DIR, "results.json"), JSON.stringify(json, null, 2));
  console.log(`wrote ${join(OUT_DIR, "RESULTS.md")}`);
} finally {
  for (const child of children) child.kill("SIGKILL");
}
