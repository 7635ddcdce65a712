import { isLoopbackHost } from "./console/loopback";
import type { SeedData } from "./seed";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /**
   * The root key clients must send (full rights, `*`). Never written to the data file.
   * @default generated: "unkey_root_" + base58; with `dataFile`, generated once and kept in the
   * file, so every start with that file has the same one
   */
  rootKey?: string;
  /** A seed object or the path of a seed JSON file. @default undefined (empty workspace) */
  seed?: SeedData | string;
  /**
   * A JSON file to load at start and save (atomically) after every change: the workspace and
   * the generated root key. @default undefined (memory only)
   */
  dataFile?: string;
  /** Delay added to every answer, in ms. @default 0 */
  latencyMs?: number;
  /** The clock, for tests (expiry, refill, rate-limit windows). @default Date.now */
  now?: () => number;
  /**
   * Largest request body accepted, in bytes; larger ones get Unkey's 413.
   * @default 10485760 (Unkey's `max_request_body_size`, svc/api/config.go)
   */
  maxRequestBodySize?: number;
  /**
   * Serve the console (keys, limits and a live log of verifications in a browser) at
   * `/console/`, opened through a one-time link (`emulator.console.link()`). Served only
   * when `host` is a loopback address; `true` with any other host is refused.
   * @default true when `host` is loopback (127.0.0.0/8, ::1, localhost), else false
   */
  console?: boolean;
}

/** Options after defaults: merged here and nowhere else. */
export interface ResolvedEmulatorOptions {
  port: number;
  host: string;
  rootKey: string | undefined;
  seed: SeedData | string | undefined;
  dataFile: string | undefined;
  latencyMs: number;
  now: () => number;
  maxRequestBodySize: number;
  console: boolean;
}

/** Thrown by startEmulator for an option it cannot use; the message names the option. */
export class EmulatorOptionError extends Error {
  override readonly name = "EmulatorOptionError";
}

/** Merges defaults and rejects bad options, naming the option. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const fail = (name: string, why: string): never => {
    throw new EmulatorOptionError(`startEmulator: option "${name}" ${why}`);
  };
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail("port", "must be 0..65535");
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") fail("host", "must be a non-empty string");
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) fail("latencyMs", "must be >= 0");
  if (options.rootKey !== undefined) {
    if (typeof options.rootKey !== "string" || !/^[\x21-\x7e]{1,512}$/.test(options.rootKey)) {
      fail("rootKey", "must be 1..512 printable ASCII characters without spaces");
    }
  }
  if (
    options.dataFile !== undefined &&
    (typeof options.dataFile !== "string" || !options.dataFile)
  ) {
    fail("dataFile", "must be a file path");
  }
  if (options.now !== undefined && typeof options.now !== "function")
    fail("now", "must be a function");
  const maxRequestBodySize = options.maxRequestBodySize ?? 10_485_760;
  if (!Number.isSafeInteger(maxRequestBodySize) || maxRequestBodySize < 1) {
    fail("maxRequestBodySize", "must be a positive integer (bytes)");
  }
  const loopback = isLoopbackHost(host);
  if (options.console !== undefined && typeof options.console !== "boolean")
    fail("console", "must be a boolean");
  // The console holds the root key's powers behind a cookie: never offer it to other machines.
  if (options.console === true && !loopback) {
    fail("console", `is served on a loopback host only, not on "${host}"`);
  }
  return {
    port,
    host,
    rootKey: options.rootKey,
    seed: options.seed,
    dataFile: options.dataFile,
    latencyMs,
    now: options.now ?? Date.now,
    maxRequestBodySize,
    console: options.console ?? loopback,
  };
}
