import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { Bundles } from "./bundle";

/** A runtime serving a bundle on 127.0.0.1. */
export interface RunningRuntime {
  readonly url: string;
  stop(): Promise<void>;
}

export interface Runtime {
  /** As tests name it: `bun`, `deno`, `workerd`. */
  readonly name: string;
  /** What `navigator.userAgent` starts with there (proof the run is not on Node). */
  readonly userAgent: RegExp;
  start(bundles: Bundles): Promise<RunningRuntime>;
}

const require = createRequire(import.meta.url);
const STARTUP_MS = 20_000;

/**
 * A binary the npm package's postinstall put in place. pnpm runs that script
 * only for packages in `onlyBuiltDependencies` (pnpm-workspace.yaml).
 */
function installedBinary(pkg: string, relative: string): string {
  const path = join(dirname(require.resolve(`${pkg}/package.json`)), relative);
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: ${pkg}'s postinstall did not run (delete test/runtimes/node_modules to install again).`,
    );
  }
  return path;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Spawns `command` and waits (bounded) for its first stdout line, `{"port":N}`. */
function spawnServer(name: string, command: string, args: string[]): Promise<RunningRuntime> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stopChild(child);
      reject(new Error(`${name} did not start: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no port within ${STARTUP_MS} ms`), STARTUP_MS);
    child.once("error", (error) => fail(error.message));
    child.once("exit", (code) => fail(`exited with ${code}`));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) => {
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const { port } = JSON.parse(line) as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) });
    });
  });
}

export const bun: Runtime = {
  name: "bun",
  userAgent: /^Bun\//,
  start: (bundles) => spawnServer("bun", installedBinary("bun", "bin/bun.exe"), [bundles.bun]),
};

export const deno: Runtime = {
  name: "deno",
  userAgent: /^Deno\//,
  // Network access to 127.0.0.1 only; nothing else is granted, and nothing prompts.
  start: (bundles) =>
    spawnServer("deno", installedBinary("deno", "deno"), [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      bundles.deno,
    ]),
};

export const workerd: Runtime = {
  name: "workerd",
  userAgent: /^Cloudflare-Workers/,
  async start(bundles) {
    // Imported here, not at the top: the suite's first hook installs miniflare (install.ts).
    const { Miniflare } = await import("miniflare");
    const miniflare = new Miniflare({
      modules: true,
      scriptPath: bundles.worker,
      // The bundle lives in a temporary directory: module paths are relative to it.
      modulesRoot: bundles.dir,
      // The worker's console (the core's outage warnings) is not the test's output.
      handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
        stdout.resume();
        stderr.resume();
      },
      compatibilityDate: "2025-07-01",
      host: "127.0.0.1",
      port: 0,
    });
    const url = await miniflare.ready;
    return { url: url.origin, stop: () => miniflare.dispose() };
  },
};
