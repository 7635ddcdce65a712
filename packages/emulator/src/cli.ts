import { type ParseArgsConfig, parseArgs } from "node:util";
import { startEmulator } from "./emulator";
import { withSuggestion } from "./flag-suggestion";
import type { EmulatorOptions } from "./options";

const HELP = `keyguard-emulator: a local Unkey v2 API for development, tests and CI

Usage: keyguard-emulator [options]

  --port <n>        port to listen on (default 0: a free port)
  --host <host>     interface to listen on (default 127.0.0.1)
  --root-key <key>  root key clients must send (default: generated; with --data,
                    generated once, kept in the data file and the same on every start)
  --seed <file>     seed JSON file (apis, keys in plaintext, roles, permissions, identities)
  --data <file>     persist the workspace (and the generated root key) to this JSON file
  --latency <ms>    delay every answer by this many ms (default 0)
  --no-console      do not serve the console (default: served at /console/ when the
                    host is loopback, opened by the one-time link printed at start)
  --help            show this help
`;

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  "root-key": { type: "string" },
  seed: { type: "string" },
  data: { type: "string" },
  latency: { type: "string" },
  "no-console": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

function fail(message: string): never {
  process.stderr.write(`keyguard-emulator: ${message}\nRun keyguard-emulator --help for usage.\n`);
  process.exit(2);
}

function toNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0)
    fail(`--${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    fail(withSuggestion((error as Error).message, Object.keys(FLAGS)));
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const options: EmulatorOptions = {};
  const port = toNumber("port", values.port as string | undefined);
  if (port !== undefined) options.port = port;
  const latency = toNumber("latency", values.latency as string | undefined);
  if (latency !== undefined) options.latencyMs = latency;
  if (typeof values.host === "string") options.host = values.host;
  if (typeof values["root-key"] === "string") options.rootKey = values["root-key"];
  if (typeof values.seed === "string") options.seed = values.seed;
  if (typeof values.data === "string") options.dataFile = values.data;
  if (values["no-console"]) options.console = false;

  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(options);
  } catch (error) {
    fail((error as Error).message);
  }
  // The root key is printed on purpose: it is the emulator's own, local credential.
  const kept =
    options.dataFile !== undefined && options.rootKey === undefined
      ? `root key kept in ${options.dataFile}: the same on every start with this --data\n`
      : "";
  const shutdown = () => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the banner: whoever reads it may stop us at once (stdout to a pipe is synchronous
  // on Linux, so the reader can send SIGTERM before the next line of this function runs).
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  // The link carries a one-time token, not the root key: it opens one browser session.
  const consoleLine = emulator.console
    ? `console: ${emulator.console.link()} (one-time link: keys, limits, live log)\n`
    : `console: off${options.console === false ? "" : " (served only on a loopback host)"}\n`;
  process.stdout.write(
    `keyguard-emulator listening on ${emulator.url}\nroot key: ${emulator.rootKey}\n${kept}` +
      consoleLine +
      `UNKEY_BASE_URL=${emulator.url} UNKEY_ROOT_KEY=${emulator.rootKey}\n`,
  );
}

void main();
