// Where a cached request's time goes besides the instructions callgrind counts (issue 34):
//   node test/bench/diagnose.mjs <framework> [guard,guard,…]
// guards: apps.mjs configurations, default "static-token-context,keyguard"; "keyguard@baseline"
// is keyguard from a build copied to DIAG_BASELINE (its node_modules/@keyguard/*), to compare
// two builds under the same load; "static-token-context+keyguard" is that floor with keyguard
// loaded beside it but unused (what its heap costs, apart from what it runs). Each configuration runs in its
// own server child (server.mjs, pinned to CPU 1 as in run.mjs), warmed, then measured in
// interleaved rounds (DIAG_ROUNDS, default 3; DIAG_SECONDS per window, default 3; 50
// connections), three windows per round: server CPU per request, user and system apart, and
// response bytes; allocated bytes (heap growth between collections) and collections per
// request, with the allocation sites (V8's sampling heap profiler); system calls per request
// (`strace -c -f`, over DIAG_STRACE_REQUESTS requests, default 10,000). Deopts after the
// warm-up are read from each server's V8 log (`--log-deopt`). Prints medians and spreads,
// the allocation sites and system calls that differ, and the deopts. DIAG_WINDOWS picks the
// windows (e.g. "cpu" alone, for more rounds in the same time).
import { execFileSync, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ROUTE } from "./apps.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const framework = process.argv[2] ?? "express";
const guards = (process.argv[3] ?? "static-token-context,keyguard").split(",");
const SECONDS = Number(process.env.DIAG_SECONDS ?? 3);
const ROUNDS = Number(process.env.DIAG_ROUNDS ?? 3);
const STRACE_REQUESTS = Number(process.env.DIAG_STRACE_REQUESTS ?? 10_000);
// Which windows each round runs (all three by default).
const WINDOWS = new Set((process.env.DIAG_WINDOWS ?? "cpu,alloc,strace").split(","));
const dir = mkdtempSync(join(os.tmpdir(), "keyguard-diagnose-"));
const key = `bench_diagnose_${Date.now()}`;

const pin = (pid, cpu) => execFileSync("taskset", ["-a", "-p", "-c", cpu, String(pid)]);
pin(process.pid, "0");

/** Sends `message` (if any) and resolves with the child's reply of the same type ("ready" for "start"). */
const ask = (child, message) =>
  new Promise((resolve, reject) => {
    const replyType = message === undefined || message.type === "start" ? "ready" : message.type;
    const onMessage = (reply) => {
      if (reply.type === "error") reject(new Error(reply.message));
      else if (reply.type === replyType) {
        child.off("message", onMessage);
        resolve(reply);
      }
    };
    child.on("message", onMessage);
    if (message) child.send(message);
  });

/** Load for `seconds`, or (`{ amount }`) until that many requests are answered. */
async function load(url, seconds) {
  const result = await autocannon({
    url: url + ROUTE,
    connections: 50,
    ...(typeof seconds === "number" ? { duration: seconds } : seconds),
    headers: { authorization: `Bearer ${key}` },
  });
  if (result.non2xx) throw new Error(`${result.non2xx} answers were not 2xx`);
  // Under strace a request can time out (or be cut off when `amount` is reached): not counted.
  return { requests: result["2xx"], bytes: result.throughput.total };
}

async function startServer(guard, emulator) {
  const log = join(dir, `${guard}.v8.log`);
  const child = fork(join(here, "server.mjs"), [], {
    execArgv: ["--expose-gc", "--log-deopt", `--logfile=${log}`, "--no-logfile-per-isolate"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const spawned = performance.now();
  pin(child.pid, "1");
  // `keyguard@baseline`: keyguard from the build copied to DIAG_BASELINE (see apps.mjs);
  // `static-token-context+keyguard`: that floor with keyguard loaded beside it, unused.
  const [configuration, variant] = guard.split("@");
  const [kind, loaded] = configuration.split("+");
  const packageRoot = variant === undefined ? undefined : process.env.DIAG_BASELINE;
  if (variant !== undefined && packageRoot === undefined)
    throw new Error(`${guard}: set DIAG_BASELINE to the directory holding that build`);
  const options =
    kind === "keyguard" ? { rootKey: emulator.rootKey, baseUrl: emulator.url } : { token: key };
  const verifierOptions = { rootKey: emulator.rootKey, baseUrl: emulator.url };
  const loadKeyguard = loaded === "keyguard" ? verifierOptions : undefined;
  const config = { framework, guard: kind, options, packageRoot, loadKeyguard };
  const { url } = await ask(child, { type: "start", config });
  await load(url, 2);
  // V8's log counts microseconds from the child's start: deopts after this are steady-state ones.
  return {
    guard,
    child,
    url,
    log,
    warmFromMicros: (performance.now() - spawned) * 1000,
    rounds: [],
  };
}

async function cpuWindow(server) {
  const before = await ask(server.child, { type: "cpu" });
  const { requests, bytes } = await load(server.url, SECONDS);
  const after = await ask(server.child, { type: "cpu" });
  return {
    user: (after.user - before.user) / requests,
    system: (after.system - before.system) / requests,
    bytes: bytes / requests,
  };
}

async function allocationWindow(server) {
  await ask(server.child, { type: "diag:start" });
  const { requests } = await load(server.url, SECONDS);
  const { allocated, sampled, sites, collections, youngCapacity } = await ask(server.child, {
    type: "diag:stop",
  });
  return {
    youngCapacity: youngCapacity / 1024,
    young: allocated.young / requests,
    old: allocated.old / requests,
    sampled: sampled / requests,
    minorPer1000: (1000 * collections.minor) / requests,
    majorPer1000: (1000 * collections.major) / requests,
    sites: sites.map(([site, size]) => [site, size / requests]),
  };
}

// `strace -c` summary lines: % time, seconds, usecs/call, calls, [errors,] syscall.
const SUMMARY_LINE = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/;

async function syscallWindow(server) {
  const out = join(dir, `${server.guard}.strace`);
  const strace = spawn("strace", ["-c", "-f", "-o", out, "-p", String(server.child.pid)], {
    stdio: "ignore",
  });
  await new Promise((resolve) => setTimeout(resolve, 500)); // attached to every thread
  // A fixed number of requests, so that the 50 connections' set-up weighs alike on each.
  const { requests } = await load(server.url, { amount: STRACE_REQUESTS });
  const exited = new Promise((resolve) => strace.on("exit", resolve));
  strace.kill("SIGINT");
  await exited;
  const calls = {};
  for (const line of readFileSync(out, "utf8").split("\n")) {
    const found = SUMMARY_LINE.exec(line);
    if (found && found[2] !== "total") calls[found[2]] = Number(found[1]) / requests;
  }
  return calls;
}

/** code-deopt events after the warm-up: `code-deopt,time,size,addr,id,offset,kind,<where>,reason`. */
function deoptsOf(server) {
  const deopts = new Map();
  for (const line of readFileSync(server.log, "utf8").split("\n")) {
    if (!line.startsWith("code-deopt,")) continue;
    const fields = line.split(",");
    if (Number(fields[1]) < server.warmFromMicros) continue;
    const what = `${fields[6]} ${fields
      .slice(7, -1)
      .join(",")
      .replace(/.*node_modules\//, "")}: ${fields.at(-1)}`;
    deopts.set(what, (deopts.get(what) ?? 0) + 1);
  }
  return [...deopts.entries()].sort((a, b) => b[1] - a[1]);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const stat = (values, d = 2) =>
  `${median(values).toFixed(d)} (${Math.min(...values).toFixed(d)}–${Math.max(...values).toFixed(d)})`;

/** Per configuration: median (min–max) over rounds; then each one's paired CPU difference with the first. */
function reportCpu(servers) {
  const metric = (name, pick, d) => {
    for (const s of servers)
      console.log(`  ${s.guard.padEnd(30)} ${name}: ${stat(s.rounds.map(pick), d)}`);
  };
  metric("user µs/req", (r) => r.cpu.user, 1);
  metric("system µs/req", (r) => r.cpu.system, 1);
  metric("response bytes/req", (r) => r.cpu.bytes, 1);
  const [first, ...others] = servers;
  for (const s of others) {
    // Same-round differences: a slow moment of the machine falls on both.
    const paired = (field) => s.rounds.map((r, i) => r.cpu[field] - first.rounds[i].cpu[field]);
    const total = s.rounds.map(
      (r, i) => r.cpu.user + r.cpu.system - first.rounds[i].cpu.user - first.rounds[i].cpu.system,
    );
    console.log(
      `  ${s.guard} over ${first.guard}: ${stat(total, 1)} µs/req (user ${stat(paired("user"), 1)}, system ${stat(paired("system"), 1)})`,
    );
  }
}

function reportAllocations(servers) {
  const metric = (name, pick, d) => {
    for (const s of servers)
      console.log(`  ${s.guard.padEnd(30)} ${name}: ${stat(s.rounds.map(pick), d)}`);
  };
  metric("allocated bytes/req, young generation", (r) => r.alloc.young, 0);
  metric("allocated bytes/req, old generation", (r) => r.alloc.old, 0);
  metric("sampled bytes/req", (r) => r.alloc.sampled, 0);
  metric("new space KiB", (r) => r.alloc.youngCapacity, 0);
  metric("scavenges per 1000 req", (r) => r.alloc.minorPer1000, 2);
  metric("major GCs per 1000 req", (r) => r.alloc.majorPer1000, 3);
  for (const s of servers) {
    console.log(`\n${s.guard}: allocation sites, bytes/request (last round)`);
    for (const [site, bytes] of s.rounds.at(-1).alloc.sites.slice(0, 20))
      console.log(`  ${bytes.toFixed(1).padStart(8)}  ${site}`);
  }
}

function reportSyscalls(servers) {
  const names = new Set(servers.flatMap((s) => s.rounds.flatMap((r) => Object.keys(r.syscalls))));
  console.log(
    `\nsystem calls per request (median over rounds): ${servers.map((s) => s.guard).join(" | ")}`,
  );
  for (const name of [...names].sort()) {
    const cells = servers.map((s) => median(s.rounds.map((r) => r.syscalls[name] ?? 0)).toFixed(3));
    console.log(`  ${name.padEnd(18)} ${cells.join("  ")}`);
  }
}

function reportDeopts(servers) {
  for (const s of servers) {
    const deopts = deoptsOf(s);
    console.log(`\n${s.guard}: ${deopts.reduce((n, [, c]) => n + c, 0)} deopts after the warm-up`);
    for (const [what, count] of deopts.slice(0, 15))
      console.log(`  ${String(count).padStart(5)}  ${what}`);
  }
}

function report(servers) {
  const load = os.loadavg().map((l) => l.toFixed(1));
  console.log(
    `\n${framework}, ${ROUNDS} rounds of ${SECONDS} s per window, load ${load.join(" ")}`,
  );
  if (WINDOWS.has("cpu")) reportCpu(servers);
  if (WINDOWS.has("alloc")) reportAllocations(servers);
  if (WINDOWS.has("strace")) reportSyscalls(servers);
  reportDeopts(servers);
}

const seedFile = join(dir, "seed.json");
writeFileSync(seedFile, JSON.stringify({ apis: [{ name: "diagnose", keys: [{ key }] }] }));
const emulatorChild = fork(join(here, "emulator.mjs"), ["0", seedFile]);
pin(emulatorChild.pid, "0");
const emulator = await ask(emulatorChild);
const servers = [];
try {
  for (const guard of guards) {
    servers.push(await startServer(guard, emulator));
    console.error(`started ${guard}`);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of servers) {
      const cpu = WINDOWS.has("cpu") ? await cpuWindow(server) : undefined;
      const alloc = WINDOWS.has("alloc") ? await allocationWindow(server) : undefined;
      const syscalls = WINDOWS.has("strace") ? await syscallWindow(server) : undefined;
      server.rounds.push({ cpu, alloc, syscalls });
      console.error(`round ${round + 1}: ${server.guard}`);
    }
  }
  // The V8 log is written on exit: stop the servers before reading their deopts.
  for (const s of servers) {
    const exited = new Promise((resolve) => s.child.once("exit", resolve));
    s.child.send({ type: "stop" });
    await exited;
  }
  report(servers);
} finally {
  for (const s of servers) s.child.kill("SIGKILL");
  emulatorChild.kill("SIGKILL");
  console.log(`\nlogs: ${dir}`);
}
