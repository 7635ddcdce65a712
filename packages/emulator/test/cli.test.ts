import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/keyguard-emulator.js", import.meta.url));
const built = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The exit code, once the child's output is all read too: `exit` may come before the last
 * chunk of stdout or stderr does (sooner the busier the machine), `close` comes after both.
 */
function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("close", (code) => resolve(code)));
}

function firstOutput(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      // Whole line: a pipe may split even one write between chunks.
      if (/root key: \S+\n/.test(text)) resolve(text);
    });
    child.once("exit", () => reject(new Error(`exited early: ${text}`)));
  });
}

beforeAll(() => {
  if (!existsSync(built))
    throw new Error("build the package first: pnpm --filter @keyguard/emulator build");
});

// Each test starts Node processes (three in one): seconds each on a busy machine.
describe("keyguard-emulator CLI", { timeout: 60_000 }, () => {
  it("starts, prints url and root key, serves a verify, exits 0 on SIGTERM", async () => {
    const child = run(["--port", "0", "--root-key", "unkey_root_cli_test"]);
    const output = await firstOutput(child);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(output).toContain("root key: unkey_root_cli_test");
    const res = await fetch(`${url}/v2/keys.verifyKey`, {
      method: "POST",
      headers: { authorization: "Bearer unkey_root_cli_test", "content-type": "application/json" },
      body: JSON.stringify({ key: "unknown_key" }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data.code).toBe("NOT_FOUND");
    const code = exited(child);
    child.kill("SIGTERM");
    expect(await code).toBe(0);
  });

  it("with --data, prints the same root key after a restart, and that key still verifies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyguard-emulator-cli-"));
    const data = join(dir, "data.json");
    const start = async () => {
      const child = run(["--port", "0", "--data", data]);
      // The banner is one write: it holds the URL and the root key.
      return { child, output: await firstOutput(child) };
    };
    const stop = async (child: ChildProcess) => {
      const code = exited(child);
      child.kill("SIGTERM");
      expect(await code).toBe(0);
    };
    try {
      const first = await start();
      const rootKey = /root key: (\S+)/.exec(first.output)?.[1];
      expect(rootKey).toMatch(/^unkey_root_/);
      await stop(first.child);

      const second = await start();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(second.output)?.[1];
      expect(second.output).toContain(`root key: ${rootKey}\n`);
      const res = await fetch(`${url}/v2/keys.verifyKey`, {
        method: "POST",
        headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
        body: JSON.stringify({ key: "unknown_key" }),
      });
      await stop(second.child);
      expect(res.status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a bad flag and a bad seed file with non-zero exit", async () => {
    const bad = run(["--nope"]);
    let stderr = "";
    bad.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await exited(bad)).not.toBe(0);
    expect(stderr).toMatch(/nope/);
    const badPort = run(["--port", "abc"]);
    expect(await exited(badPort)).not.toBe(0);
    const badSeed = run(["--seed", "/nonexistent/seed.json"]);
    let seedErr = "";
    badSeed.stderr?.on("data", (chunk: Buffer) => {
      seedErr += chunk.toString();
    });
    expect(await exited(badSeed)).not.toBe(0);
    expect(seedErr).toMatch(/seed file/);
  });

  it("names the flag a typo meant, and suggests nothing for a flag like none", async () => {
    const stderrOf = async (args: string[]) => {
      const child = run(args);
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      expect(await exited(child)).toBe(2);
      return stderr;
    };
    expect(await stderrOf(["--prot", "8787"])).toContain(
      "Unknown option '--prot'; did you mean --port?",
    );
    expect(await stderrOf(["--rootkey=unkey_root_x"])).toContain("did you mean --root-key?");
    expect(await stderrOf(["--latncy", "5"])).toContain("did you mean --latency?");
    expect(await stderrOf(["--verbose"])).not.toContain("did you mean");
  });

  it("prints a one-time console link that opens a session once; --no-console prints off", async () => {
    const child = run(["--port", "0"]);
    const output = await firstOutput(child);
    const link = /^console: (http:\/\/127\.0\.0\.1:\d+\/console\/login\?token=[\w-]{43}) /m.exec(
      output,
    )?.[1];
    expect(link).toBeDefined();
    expect(output).not.toMatch(/^console: .*unkey_root_/m);
    try {
      expect((await fetch(link as string)).status).toBe(200);
      expect((await fetch(link as string)).status).toBe(403);
    } finally {
      const code = exited(child);
      child.kill("SIGTERM");
      expect(await code).toBe(0);
    }
    const off = run(["--port", "0", "--no-console"]);
    expect(await firstOutput(off)).toMatch(/^console: off\n/m);
    const code = exited(off);
    off.kill("SIGTERM");
    expect(await code).toBe(0);
  });

  it("--help prints usage and exits 0", async () => {
    const child = run(["--help"]);
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    expect(await exited(child)).toBe(0);
    expect(out).toContain("--root-key");
  });
});
