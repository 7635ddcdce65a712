// App instances for the cluster section: each a separate process running the
// cluster suite's app (test/cluster/app.mjs: Fastify guarded by keyguard, with
// or without a Redis shared cache), plus the HTTP and IPC calls made to them.
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const appFile = join(dirname(fileURLToPath(import.meta.url)), "../cluster/app.mjs");
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Starts `count` instances. `env`: UNKEY_BASE_URL, UNKEY_ROOT_KEY, and for a
 * shared cache REDIS_URL and CACHE_SECRET; TTL_MS only to override the default TTL.
 */
export async function startInstances(count, env, pin) {
  const start = async () => {
    const child = fork(appFile, [], {
      env: { ...process.env, FRAMEWORK: "fastify", ...env },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    pin(child.pid);
    const url = await new Promise((resolve, reject) => {
      child.once("message", (m) => resolve(m.url));
      child.once("exit", (code) => reject(new Error(`cluster instance exited (${code})`)));
    });
    return { child, url };
  };
  const started = await Promise.allSettled(Array.from({ length: count }, start));
  const instances = started.filter((s) => s.status === "fulfilled").map((s) => s.value);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await stopInstances(instances);
    throw failed.reason;
  }
  return instances;
}

export async function stopInstances(instances) {
  await Promise.all(
    instances.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** GET /protected with the key; resolves the status and the time taken (ms). */
export function get(url, key) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}/protected`, { agent, headers: { "x-api-key": key } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on("error", reject);
    req.end();
  });
}

let messageId = 0;

/** Asks an instance to run `invalidateKeyId(keyId)`; resolves when it has. */
export function invalidateKeyId(instance, keyId) {
  const id = ++messageId;
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.type !== "done" || m.id !== id) return;
      instance.child.off("message", onMessage);
      resolve();
    };
    instance.child.on("message", onMessage);
    instance.child.send({ type: "invalidateKeyId", keyId, id });
  });
}

/** One operation of the emulator's Unkey v2 API (apis.createApi, keys.createKey, keys.updateKey…). */
export async function unkeyCall(emulator, operation, body) {
  const response = await fetch(`${emulator.url}/v2/${operation}`, {
    method: "POST",
    headers: { authorization: `Bearer ${emulator.rootKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const parsed = await response.json();
  if (!response.ok) throw new Error(`${operation}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed.data;
}
