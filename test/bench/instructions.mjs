// Instructions per request of one server configuration, counted by valgrind's callgrind:
// the one cost measure this shared 2-core machine reproduces to about 1 % (CPU time per
// request moves by more than the goals between rounds). The server runs under callgrind
// with instrumentation off; it is warmed (JIT, cache) with sequential requests on one
// keep-alive connection, then counted over `measured` more. One connection, so that every
// configuration sees the same arrival pattern (concurrency changes how much work is batched
// per event-loop turn). Counts user-space instructions: the kernel's socket work is not in it.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ROUTE } from "./apps.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** Whether valgrind (with callgrind_control) is installed. */
export function callgrindAvailable() {
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
    execFileSync("callgrind_control", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function startUnderCallgrind(config, outFile) {
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      "--instr-atstart=no",
      "--smc-check=all-non-file", // V8 writes and rewrites machine code
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      join(here, "callgrind-server.mjs"),
      JSON.stringify(config),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no server after 180 s:\n${output}`)), 180_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const found = /listening (\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.stderr.on("data", (chunk) => {
      output = (output + chunk).slice(-4000);
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  return { child, url };
}

/** Sends `amount` requests one after another on one connection; all must succeed. */
async function send(url, key, amount) {
  const result = await autocannon({
    url: url + ROUTE,
    connections: 1,
    amount,
    // Under valgrind a GC or a compile can stall one answer for seconds.
    timeout: 120,
    headers: { authorization: `Bearer ${key}` },
  });
  const ok = result["2xx"];
  if (ok !== amount)
    throw new Error(
      `${ok} of ${amount} requests answered 2xx (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
}

/** Instructions per request of `config` (an apps.mjs configuration) on its cached path. */
export async function instructionsPerRequest(config, key, { warm, measured }) {
  const dir = mkdtempSync(join(os.tmpdir(), "keyguard-callgrind-"));
  const out = join(dir, "callgrind.out");
  const { child, url } = startUnderCallgrind(config, out);
  try {
    const target = await url;
    await send(target, key, warm);
    execFileSync("callgrind_control", ["-i", "on", String(child.pid)], { stdio: "ignore" });
    await send(target, key, measured);
    execFileSync("callgrind_control", ["-d", String(child.pid)], { stdio: "ignore" });
    // The dump holds what ran since instrumentation went on (counting starts at zero).
    let counted = 0;
    for (const file of readdirSync(dir)) {
      const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, file), "utf8"));
      if (totals) counted = Math.max(counted, Number(totals[1]));
    }
    if (counted === 0) throw new Error("callgrind wrote no totals");
    return counted / measured;
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
