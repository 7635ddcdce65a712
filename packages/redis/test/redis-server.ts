import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A real redis-server on 127.0.0.1 that a test owns: it can kill and restart it. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL by default) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** `SAVE` with `rdbcompression no`, then the dump file's bytes. */
  dump(): Promise<Buffer>;
  /** One command over a raw connection (inline protocol), its reply as text. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function send(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = "";
    const timer = setTimeout(() => socket.destroy(new Error("redis did not answer")), 5000);
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.endsWith("\r\n")) socket.end();
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.connect(port, "127.0.0.1", () => {
      const body = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
      socket.write(`*${args.length}\r\n${body}`);
    });
  });
}

/** Starts `redis-server` on a free port, no persistence, in a temp dir. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "keyguard-redis-"));
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
      ],
      { stdio: "ignore" },
    );
    const started = Date.now();
    for (;;) {
      try {
        if ((await send(port, ["PING"])).startsWith("+PONG")) return;
      } catch {}
      if (Date.now() - started > 10_000) throw new Error("redis-server did not start in 10 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill(signal);
    await exited;
  }

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    command: (...args) => send(port, args),
    async dump() {
      await send(port, ["CONFIG", "SET", "rdbcompression", "no"]);
      await send(port, ["SAVE"]);
      return readFileSync(join(dir, "dump.rdb"));
    },
    async stop() {
      await kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
