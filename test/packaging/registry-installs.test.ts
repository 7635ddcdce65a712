import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { registryCalls, scriptCalls, unpinned } from "./pins/registry-calls";
import { ROOT } from "./published";

const run = promisify(execFile);

/**
 * CI must give the same result tomorrow: every package a test run takes from the npm registry
 * comes from a checked-in lock (`npm ci`, `pnpm install --frozen-lockfile`) or is one exact
 * version (`npx name@x.y.z`). test/packaging/pins/registry.ts is the one module allowed to run
 * npm otherwise (`pnpm pins:update` and `pnpm test:drift` resolve afresh on purpose), and
 * registry.test.ts shows it keeps a test run to the lock.
 */
const CHOKEPOINT = "test/packaging/pins/registry.ts";
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx|sh)$/;

/** A sample of the argument-array shape, built so this file itself holds none. */
const sample = (command: string) => {
  const [tool, ...args] = command.split(" ");
  return `await run(${JSON.stringify(tool)}, ${JSON.stringify(args)}, { cwd });`;
};
const verdicts = (source: string) => registryCalls(source).map(unpinned);

describe("the scan for registry installs", () => {
  it("refuses npm install, unlocked pnpm and yarn, and npx of a range or a tag", () => {
    for (const command of [
      "npm install --no-audit --prefer-offline",
      "npm i left-pad",
      "npm exec -- tsc",
      "npx -y node@22 -p process.execPath",
      "npx --yes pnpm@10",
      "npx tsx script.ts",
      "npx --package=typescript@latest tsc",
      "pnpm add left-pad",
      "pnpm dlx create-vite",
      "pnpm install --prefer-offline",
      "yarn",
      "yarn add left-pad",
    ]) {
      expect(verdicts(sample(command)), command).toEqual([expect.any(String)]);
    }
  });

  it("lets a checked-in lock, an exact npx version and local commands through", () => {
    for (const command of [
      "npm ci --prefer-offline",
      "npm pack",
      "npx --yes --prefer-offline node@22.23.3 -p process.execPath",
      "npx -p @arethetypeswrong/cli@0.18.5 attw",
      "pnpm install --frozen-lockfile --prefer-offline",
      "pnpm -r pack --pack-destination /tmp",
      "pnpm --silent --filter @keyguard/example-demo start",
      "yarn install --immutable",
    ]) {
      expect(verdicts(sample(command)), command).toEqual([undefined]);
    }
  });

  it("reads arguments it cannot see as unpinned, and finds shell command lines", () => {
    const q = '"';
    const source = `await run(${q}npx${q}, [${q}--yes${q}, \`node@\${version}\`]);`;
    expect(registryCalls(source)).toEqual([{ line: 1, tool: "npx", args: ["--yes", "…"] }]);
    expect(verdicts(source)).toEqual([expect.stringContaining("arguments the scan cannot read")]);
    const unread = `await run(${q}npm${q}, args, { cwd });`;
    expect(verdicts(unread)).toEqual([expect.stringContaining("arguments the scan cannot read")]);
    const shell = (command: string) => `\n\nexecSync(${JSON.stringify(command)});`;
    expect(registryCalls(shell("npm i left-pad"))).toEqual([
      { line: 3, tool: "npm", args: ["i", "left-pad"] },
    ]);
    expect(verdicts(shell("npm ci"))).toEqual([undefined]);
  });

  it("finds package manager runs in package.json scripts", () => {
    expect(scriptCalls("pnpm run build && KEYGUARD=1 npx -y tsx x.ts; npm ci | tee log")).toEqual([
      { tool: "pnpm", args: ["run", "build"] },
      { tool: "npx", args: ["-y", "tsx", "x.ts"] },
      { tool: "npm", args: ["ci"] },
    ]);
  });
});

/** The work tree's files a commit of everything would hold: what a test run executes. */
async function tracked(): Promise<string[]> {
  const { stdout } = await run(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: ROOT, maxBuffer: 16 << 20 },
  );
  return stdout.split("\0").filter((file) => file !== "");
}

/** Every unpinned registry install of a source file or a package.json's scripts, as "file:line: …". */
function findingsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  if (file === "package.json" || file.endsWith("/package.json")) {
    const scripts = (JSON.parse(text) as { scripts?: Record<string, string> }).scripts ?? {};
    return Object.entries(scripts).flatMap(([name, script]) =>
      scriptCalls(script).flatMap((call) => {
        const why = unpinned(call);
        return why === undefined ? [] : [`${file} (script ${name}): ${why}`];
      }),
    );
  }
  return registryCalls(text).flatMap((call) => {
    const why = unpinned(call);
    return why === undefined ? [] : [`${file}:${call.line}: ${why}`];
  });
}

describe("the test suites", () => {
  it("install from the registry only through a checked-in lock or an exact version", async () => {
    const files = (await tracked()).filter(
      (file) =>
        file !== CHOKEPOINT &&
        (SOURCE.test(file) || file === "package.json" || file.endsWith("/package.json")),
    );
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap(findingsOf)).toEqual([]);
  });
});
