import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { CheckReport } from "@keyguard/core";
import { startEmulator } from "@keyguard/emulator";
import { createDemoApp } from "./app";
import { type DemoCommand, demoCommands, renderCurl } from "./commands";
import { type DemoKeys, removeDemoKeys, seedDemo } from "./seed";
import { unkeyAdmin } from "./unkey-admin";

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /**
   * Port of the demo API; `0` picks a free one.
   * @default 3000
   */
  port?: number;
  /**
   * Interface the demo API listens on.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Where `UNKEY_ROOT_KEY`, `UNKEY_BASE_URL` and `UNKEY_API_ID` are read from.
   * Without a root key the demo runs on an in-process emulator.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A running demo. */
export interface Demo {
  /** The demo API's origin, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly port: number;
  /** `"emulator"` when running on the in-process emulator, `"unkey"` on real Unkey. */
  readonly upstream: "emulator" | "unkey";
  readonly unkeyUrl: string;
  /** What the start-up check (`verifier.check()`) found before the demo keys were made. */
  readonly checked: CheckReport;
  readonly keys: DemoKeys;
  readonly commands: readonly DemoCommand[];
  /**
   * On the emulator: a one-time link to its console (the demo keys, their credits and rate
   * limits, and every verification live). Undefined on real Unkey.
   */
  readonly consoleLink: string | undefined;
  /** Stops the API, deletes the demo keys and stops the emulator. Safe to call twice. */
  stop(): Promise<void>;
}

/** The port is taken: reported in one line by the CLI. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`port ${port} on ${host} is already in use`);
  }
}

function listen(server: ReturnType<typeof createAdaptorServer>, port: number, host: string) {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port, host) : error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the demo: an upstream (the in-process emulator, or real Unkey when
 * `UNKEY_ROOT_KEY` is set), demo keys seeded through Unkey's v2 operations, and
 * the demo API guarded by `@keyguard/hono`.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ port: 0 });
 * console.log(renderInstructions(demo));
 * await demo.stop();
 * ```
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const env = options.env ?? process.env;
  const host = options.host ?? "127.0.0.1";
  const rootKeyFromEnv = env.UNKEY_ROOT_KEY?.trim() || undefined;
  const emulator = rootKeyFromEnv ? undefined : await startEmulator({ port: 0 });
  const cleanups: Array<() => Promise<void>> = [];
  if (emulator) cleanups.push(() => emulator.stop());
  const stop = async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  };
  try {
    const rootKey = emulator?.rootKey ?? (rootKeyFromEnv as string);
    const baseUrl = emulator?.url ?? env.UNKEY_BASE_URL ?? "https://api.unkey.com";
    const { app, verifier } = createDemoApp({ rootKey, baseUrl });
    // The opt-in start-up check, before anything is created at Unkey: a wrong UNKEY_ROOT_KEY
    // or UNKEY_BASE_URL rejects here with the fix (main.ts prints it), not at the first request.
    const checked = await verifier.check();
    const admin = unkeyAdmin(baseUrl, rootKey);
    const { keys } = await seedDemo(admin, { apiId: env.UNKEY_API_ID || undefined });
    cleanups.push(() => removeDemoKeys(admin, keys));

    const server = createAdaptorServer({ fetch: app.fetch });
    const port = await listen(server, options.port ?? 3000, host);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections (curl, fetch) would otherwise hold the port open.
          if ("closeAllConnections" in server) server.closeAllConnections();
        }),
    );
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      upstream: emulator ? "emulator" : "unkey",
      unkeyUrl: baseUrl,
      checked,
      keys,
      commands: demoCommands(keys),
      consoleLink: emulator?.console?.link(),
      stop: () => {
        stopped ??= stop();
        return stopped;
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The text `pnpm start` prints: the keys, then the curl tour with the status
 * each command answers.
 *
 * @example
 * ```ts
 * console.log(renderInstructions(await startDemo()));
 * ```
 */
export function renderInstructions(demo: Demo): string {
  const upstream =
    demo.upstream === "emulator"
      ? `the in-process Unkey emulator at ${demo.unkeyUrl} (no account, no network)`
      : `Unkey at ${demo.unkeyUrl} (demo keys are deleted again on Ctrl-C)`;
  const width = Math.max(...Object.keys(demo.keys).map((name) => name.length));
  const keys = Object.entries(demo.keys).map(
    ([name, k]) => `  ${name.padEnd(width)}  ${k.key}\n  ${"".padEnd(width)}  ${k.description}`,
  );
  return [
    `keyguard demo: a Hono API guarded by @keyguard/hono on ${demo.url}`,
    `verifying keys against ${upstream}`,
    `start-up check: ${demo.checked.summary}`,
    ...(demo.consoleLink
      ? [
          "",
          `Console (the keys, their credits and limits, every verification live; the link works once):`,
          `  ${demo.consoleLink}`,
        ]
      : []),
    "",
    "Demo keys:",
    ...keys,
    "",
    "Try these (the comment gives the status each answers; run them in order, once):",
    "",
    ...demo.commands.map((command) => `${renderCurl(command, demo.url)}\n`),
    "Press Ctrl-C to stop.",
  ].join("\n");
}
