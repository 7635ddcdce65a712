import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CallCounter } from "./call-counter";
import { ConsoleLog } from "./console/events";
import { type EmulatorConsole, type MountedConsole, mountConsole } from "./console/mount";
import type { RootKeyRecord } from "./context";
import { Delays } from "./delays";
import { type DispatchInput, dispatch } from "./dispatch";
import { callEmulator } from "./emulator-call";
import type { Fault } from "./fault";
import { loadInitialState } from "./initial-state";
import { type EmulatorOptions, resolveOptions } from "./options";
import { createRequestHandler } from "./request-handler";
import { hashKey } from "./resources";
import type { Operation } from "./schemas";
import { SlidingWindowLimiter } from "./sliding-window";

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`: pass it as the Unkey base URL / `serverURL`. */
  url: string;
  /** The root key with full rights (`*`); with a `dataFile`, the same on every start. */
  rootKey: string;
  /** Closes the server and destroys open and hanging sockets. */
  stop(): Promise<void>;
  /** Injects a fault into `keys.verifyKey` (or `fault.operations`) until cleared with `null`. */
  setFault(fault: Fault | null): void;
  /**
   * Calls received per operation (faulted and refused calls included), and the
   * rate-limit windows held in memory (`ratelimit.limit`, `ratelimit.multiLimit`
   * and key limits): a window is dropped once it can no longer count.
   */
  stats(): { calls: Record<string, number>; total: number; ratelimitWindows: number };
  /** Sets every call count back to zero. */
  resetStats(): void;
  /** POSTs `/v2/<operation>` with the root key; resolves `data`, rejects with status + error body. */
  call<T = unknown>(operation: string, body: object): Promise<T>;
  /** The console (keys, limits, a live log of verifications), or undefined when it is off. */
  console: EmulatorConsole | undefined;
}

/**
 * Starts a local server that speaks Unkey's v2 API (the subset keyguard and its
 * users need), with Unkey's envelopes, codes and verification semantics.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ seed: "./seed.json" });
 * const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "demo" });
 * const { key } = await emulator.call<{ key: string }>("keys.createKey", { apiId, permissions: ["docs.read"] });
 * const unkey = new Unkey({ rootKey: emulator.rootKey, serverURL: emulator.url });
 * await emulator.stop();
 * ```
 */
export async function startEmulator(options?: EmulatorOptions): Promise<Emulator> {
  const config = resolveOptions(options);
  const { now } = config;
  const { state, rootKeys, rootKey, save } = loadInitialState(config);
  const limiter = new SlidingWindowLimiter();
  const counter = new CallCounter();
  const delays = new Delays();
  const log = config.console ? new ConsoleLog(now) : undefined;
  let mounted: MountedConsole | undefined;
  let fault: Fault | null = null;

  const world = { state, limiter, now, save, observe: log?.observe };
  const handler = createRequestHandler({
    config,
    world,
    rootKeys,
    counter,
    delays,
    fault: () => fault,
    console: () => mounted,
  });
  const server = createServer({ keepAlive: true }, handler);
  server.keepAliveTimeout = 65_000;
  const { address, url } = await listen(server, config.port, config.host);
  if (log) mounted = consoleFor(log, { address, url, rootKey, rootKeys, world });

  let stopped: Promise<void> | undefined;
  return {
    url,
    rootKey,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        delays.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
    setFault(next) {
      fault = next ? { ...next } : null;
    },
    stats() {
      return { ...counter.snapshot(), ratelimitWindows: limiter.windows(now()) };
    },
    resetStats() {
      counter.reset();
    },
    console: mounted ? { url: mounted.url, link: mounted.link } : undefined,
    call<T = unknown>(operation: string, body: object): Promise<T> {
      return callEmulator<T>(url, rootKey, operation, body);
    },
  };
}

/** Listens on `port` and `host`; resolves the server's address and base URL. */
async function listen(
  server: Server,
  port: number,
  host: string,
): Promise<{ address: AddressInfo; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { address, url: `http://${shown}:${address.port}` };
}

/** The console of a listening emulator: it runs operations with the full-rights root key. */
function consoleFor(
  log: ConsoleLog,
  emulator: {
    address: AddressInfo;
    url: string;
    rootKey: string;
    rootKeys: ReadonlyMap<string, RootKeyRecord>;
    world: Omit<DispatchInput, "root">;
  },
): MountedConsole {
  const { address, url, rootKey, world } = emulator;
  const root = emulator.rootKeys.get(hashKey(rootKey)) as RootKeyRecord;
  const run = (op: Operation, text: string, id: string) =>
    dispatch({ ...world, root }, op, text, id);
  const { state, limiter, now } = world;
  return mountConsole({ log, address, url, rootKey, state, limiter, now, run });
}
