// CPU profile of one server on the cached path:
//   node test/bench/profile.mjs [framework] [seconds] [guard]
// guard: "keyguard" (default, one warm key; PROFILE_OPTIONS adds options as JSON), "static-token" (the framework's floor: a fixed
// token compared in its own idiom), "noop" (a pass-through middleware) or "none" (bare).
// Runs the server child with --cpu-prof, loads it, then lists self time per request, so that
// two profiles (say noop and keyguard) can be compared line by line.
import { fork } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ROUTE } from "./apps.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const framework = process.argv[2] ?? "hono";
const seconds = Number(process.argv[3] ?? 5);
const guard = process.argv[4] ?? "keyguard";
const dir = mkdtempSync(join(os.tmpdir(), "keyguard-prof-"));
const key = "bench_profile_key_0123456789";

const once = (child, type) =>
  new Promise((resolve) => child.on("message", (m) => m.type === type && resolve(m)));
// Seed through a file like run.mjs does.
const seedFile = join(dir, "seed.json");
writeFileSync(seedFile, JSON.stringify({ apis: [{ name: "p", keys: [{ key }] }] }));
const emu = fork(join(here, "emulator.mjs"), ["0", seedFile]);
const emulator = await once(emu, "ready");
const server = fork(join(here, "server.mjs"), [], {
  execArgv: ["--cpu-prof", "--cpu-prof-dir", dir],
});
server.send({
  type: "start",
  config: {
    framework,
    guard,
    options:
      guard === "keyguard"
        ? {
            rootKey: emulator.rootKey,
            baseUrl: emulator.url,
            // e.g. PROFILE_OPTIONS='{"cache":false}' for the uncached path
            ...JSON.parse(process.env.PROFILE_OPTIONS ?? "{}"),
          }
        : { token: key },
  },
});
const { url } = await once(server, "ready");
const result = await autocannon({
  url: url + ROUTE,
  connections: 50,
  duration: seconds,
  headers: { authorization: `Bearer ${key}` },
});
console.log(
  `${framework} ${guard}: ${Math.round(result.requests.total / result.duration)} req/s, non2xx ${result.non2xx}`,
);
const exited = new Promise((resolve) => server.on("exit", resolve));
server.send({ type: "stop" });
await exited;
emu.send({ type: "stop" });

const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
const interval = (profile.endTime - profile.startTime) / profile.samples.length / 1000; // ms per sample
const self = new Map();
let total = 0;
for (const node of profile.nodes) {
  const { functionName, url: src, lineNumber } = node.callFrame;
  const where = src
    .replace(/^file:\/\//, "")
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "");
  const name = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
  const ms = node.hitCount * interval;
  total += ms;
  self.set(name, (self.get(name) ?? 0) + ms);
}
const sorted = [...self.entries()].sort((a, b) => b[1] - a[1]);
const requests = result.requests.total;
const show = (title, list) => {
  console.log(`\n${title}`);
  for (const [name, ms] of list)
    console.log(
      `${((100 * ms) / total).toFixed(2).padStart(6)}%  ${((ms * 1000) / requests).toFixed(2).padStart(7)} µs/req  ${name}`,
    );
};
show("top self time (all)", sorted.slice(0, Number(process.env.PROFILE_TOP ?? 25)));
show(
  "top self time in keyguard (packages/*/dist)",
  sorted.filter(([n]) => n.includes("/packages/")).slice(0, 15),
);
console.log(`\nprofile: ${join(dir, file)}`);
