import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const NEXT = fileURLToPath(new URL("../node_modules/next/dist/bin/next", import.meta.url));
/** Bounds of `next build` and of `next start` answering its first request. */
export const BUILD_MS = 600_000;
export const START_MS = 60_000;

/** A running `next start`. */
export interface NextServer {
  readonly url: string;
  /** The last 8000 characters the server printed (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** Polls until `next start` answers (bounded), or fails with its output. */
async function ready(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited:\n${output()}`);
    const up = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`next start did not answer within ${START_MS} ms:\n${output()}`);
}

/**
 * `next build` of the app in `dir`, without the root key or the context secret: route
 * modules are evaluated while the build collects page data, and @keyguard/next defers the
 * root key to the first request during the build. Returns the build's output.
 */
export async function build(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const buildEnv: NodeJS.ProcessEnv = { ...env };
  delete buildEnv.UNKEY_ROOT_KEY;
  delete buildEnv.KEYGUARD_CONTEXT_SECRET;
  const began = performance.now();
  const { stdout } = await run(process.execPath, [NEXT, "build"], {
    cwd: dir,
    env: buildEnv,
    timeout: BUILD_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  console.info(`next build (${dir}): ${Math.round(performance.now() - began)} ms`);
  return stdout;
}

/** `next start` of the built app in `dir` on a free port of 127.0.0.1, once it answers. */
export async function start(dir: string, env: NodeJS.ProcessEnv): Promise<NextServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const server = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  server.stdout?.on("data", collect);
  server.stderr?.on("data", collect);
  const stop = async () => {
    if (server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGKILL");
    await exited;
  };
  try {
    await ready(url, server, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => output, stop };
}
