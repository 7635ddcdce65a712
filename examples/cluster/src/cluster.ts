import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { localRedis } from "./redis-server";
import { cacheSecret, devUpstream, type Upstream } from "./upstream";

export interface Cluster {
  readonly upstream: Upstream;
  /** Each instance's base URL, e.g. http://127.0.0.1:PORT. */
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

const INSTANCE = fileURLToPath(new URL("./instance.ts", import.meta.url));
// The example's own directory, where `--import tsx` resolves (whatever the caller's cwd).
const HOME = fileURLToPath(new URL("..", import.meta.url));

function startInstance(
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(INSTANCE, [], {
    env: { ...process.env, ...env, INSTANCE_NAME: name },
    cwd: HOME,
    execArgv: ["--import", "tsx"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message: { type: string; url: string }) =>
      resolve({ child, url: message.url }),
    );
    child.once("exit", (code) => reject(new Error(`instance ${name} exited with code ${code}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  return exited;
}

/**
 * Unkey (or the emulator), one Redis and `instances` processes of the API, each
 * on its own port, all sharing the Redis cache and invalidation bus.
 */
export async function startCluster(instances = 3): Promise<Cluster> {
  const upstream = await devUpstream();
  const redis = await localRedis();
  const env = {
    UNKEY_ROOT_KEY: upstream.rootKey,
    UNKEY_BASE_URL: upstream.baseUrl ?? "",
    REDIS_URL: redis.url,
    KEYGUARD_CACHE_SECRET: cacheSecret(),
    PORT: "0",
  };
  const started = await Promise.all(
    Array.from({ length: instances }, (_, i) => startInstance(`instance-${i + 1}`, env)),
  );
  // Each instance checked the root key with one call at start: count what requests cost.
  upstream.countFromHere();
  return {
    upstream,
    urls: started.map((instance) => instance.url),
    async stop() {
      await Promise.all(started.map((instance) => stopChild(instance.child)));
      await redis.stop();
      await upstream.stop();
    },
  };
}
