import { spawn } from "node:child_process";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** The repository's root, where the user runs `pnpm start`. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Stopped {
  /** Exit status, or null when a signal killed pnpm. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

// `pnpm test` (and `.ci/run`, which may reach pnpm through npx) sets npm_execpath to the pnpm
// that runs it; the same pnpm runs the script here, so no other version is fetched.
function pnpm(): { command: string; prefix: string[] } {
  const execpath = process.env.npm_execpath;
  if (execpath && basename(execpath).startsWith("pnpm"))
    return { command: process.execPath, prefix: [execpath] };
  return { command: "pnpm", prefix: [] };
}

/**
 * Runs `pnpm <args>` from the root in a process group of its own, waits until stdout
 * matches `ready`, then sends SIGINT to the whole group, as a terminal's Ctrl-C does.
 * Resolves when pnpm exits (at once if it exits before `ready`).
 */
export function ctrlC(args: readonly string[], ready: RegExp): Promise<Stopped> {
  const { command, prefix } = pnpm();
  const child = spawn(command, [...prefix, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: "0", FORCE_COLOR: "0" },
  });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!interrupted && ready.test(stdout) && child.pid !== undefined) {
      interrupted = true;
      process.kill(-child.pid, "SIGINT");
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * What a user must see after Ctrl-C: the app had started (`ready`), pnpm printed no failure
 * report (ELIFECYCLE, ERR_PNPM_…, which reads as a crash), and the status is 0.
 */
export function expectQuietStop(stopped: Stopped, ready: RegExp): void {
  expect(stopped.stdout).toMatch(ready);
  expect(`${stopped.stdout}\n${stopped.stderr}`).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
  expect(stopped.signal).toBeNull();
  expect(stopped.code).toBe(0);
}
