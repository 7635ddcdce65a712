import { type ChildProcess, spawn } from "node:child_process";
import { createConnection, createServer } from "node:net";

export interface LocalRedis {
  readonly url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, "127.0.0.1");
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("connect", () => socket.write("PING\r\n"));
  });
}

function spawnRedis(port: number): Promise<ChildProcess> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const child = spawn("redis-server", args, { stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.once("error", () =>
      reject(
        new Error(
          "redis-server was not found: install Redis (apt-get install redis-server, brew install redis) or set REDIS_URL",
        ),
      ),
    );
    child.once("spawn", () => resolve(child));
  });
}

/**
 * `REDIS_URL` when set; otherwise a throwaway `redis-server` on a free port
 * (no persistence), stopped by `stop()`. No Docker needed.
 */
export async function localRedis(): Promise<LocalRedis> {
  const given = process.env.REDIS_URL;
  if (given) return { url: given, stop: async () => {} };
  const port = await freePort();
  const child = await spawnRedis(port);
  const started = Date.now();
  while (!(await answersPing(port))) {
    if (Date.now() - started > 10_000) throw new Error("redis-server did not start in 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
