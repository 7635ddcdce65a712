import { KeyguardConfigError } from "../errors";
import type { Logger } from "../types";
import { checkRootKey } from "./root-key";

/** The options every client of Unkey takes: the verifier and the rate limiter alike. */
export interface ConnectionOptions {
  rootKey?: string | undefined;
  baseUrl?: string | undefined;
  timeoutMs?: number | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  logger?: Logger | undefined;
}

/** Where the root key was read: the option, or the environment variable. */
export type RootKeyOrigin = "option" | "UNKEY_ROOT_KEY";

/** Where the base URL was read: the option, the environment variable, or the default. */
export type BaseUrlOrigin = "option" | "UNKEY_BASE_URL" | "default";

/** Connection options with defaults applied, `url` the endpoint's full URL. */
export interface ResolvedConnection {
  readonly rootKey: string;
  readonly url: string;
  /** `url` without a username or password: what logs, telemetry and `options` show. */
  readonly displayUrl: string;
  /** Where the root key and base URL came from, for start-up diagnostics (`verifier.check()`). */
  readonly origins: { readonly rootKey: RootKeyOrigin; readonly baseUrl: BaseUrlOrigin };
  readonly timeoutMs: number;
  readonly fetch: typeof globalThis.fetch;
  readonly logger: Logger;
}

/** Unkey's origin and the timeout, when not given: in exactly one place. */
export const CONNECTION_DEFAULTS = /* @__PURE__ */ Object.freeze({
  baseUrl: "https://api.unkey.com",
  timeoutMs: 2000,
});

/** The largest delay a timer takes (2^31 - 1 ms, about 24.8 days); larger ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * An environment variable, read only when its option is absent: Deno without `--allow-env`
 * throws on any read (NotCapable), so an app passing every option never reads one.
 */
const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] ||
  undefined;

/** A value as an error message quotes it. */
export const describe = (value: unknown) =>
  typeof value === "string" ? JSON.stringify(value) : String(value);

/**
 * A whole number in `min … max`, or `fallback` when absent. Fractions and huge
 * values are refused rather than rounded: `timeoutMs: 3e9` overflows Node's
 * timers, which then fire at once and turn every verification into a 503.
 */
export function wholeNumber(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new KeyguardConfigError(
      option,
      `expected a whole number from ${min} to ${max.toLocaleString("en-US")}, got ${describe(value)}.`,
    );
  }
  return value;
}

function endpointUrl(baseUrl: unknown, path: string): string {
  try {
    const url = new URL(baseUrl as string);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
    return new URL(path, url).href;
  } catch {
    throw new KeyguardConfigError(
      "baseUrl",
      `expected an http(s) URL such as "https://api.unkey.com", got ${describe(baseUrl)}.`,
    );
  }
}

/**
 * Validates the connection options (root key, origin, timeout, fetch, logger),
 * reading `UNKEY_ROOT_KEY` and `UNKEY_BASE_URL` when they are not given, and
 * returns the full URL of the endpoint at `path`. Throws a `KeyguardConfigError`
 * naming the first bad option.
 */
export function resolveConnection(options: ConnectionOptions, path: string): ResolvedConnection {
  const rootKey = options.rootKey ?? env("UNKEY_ROOT_KEY");
  if (typeof rootKey !== "string" || rootKey.trim() === "") {
    throw new KeyguardConfigError(
      "rootKey",
      "no Unkey root key. Pass `rootKey`, or set the UNKEY_ROOT_KEY environment variable (for local work, start `keyguard-emulator` and use the root key it prints).",
    );
  }
  checkRootKey(rootKey, options.rootKey === undefined);
  const fromEnv = options.baseUrl === undefined ? env("UNKEY_BASE_URL") : undefined;
  const baseUrl = options.baseUrl ?? fromEnv ?? CONNECTION_DEFAULTS.baseUrl;
  const url = endpointUrl(baseUrl, path);
  const origins = {
    rootKey: options.rootKey === undefined ? "UNKEY_ROOT_KEY" : "option",
    baseUrl:
      options.baseUrl !== undefined
        ? "option"
        : fromEnv !== undefined
          ? "UNKEY_BASE_URL"
          : "default",
  } as const;
  const timeoutMs = wholeNumber(
    "timeoutMs",
    options.timeoutMs,
    CONNECTION_DEFAULTS.timeoutMs,
    1,
    MAX_TIMER_MS,
  );
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") {
    throw new KeyguardConfigError("fetch", "no fetch implementation; pass `fetch`.");
  }
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== "function" || typeof logger?.error !== "function") {
    throw new KeyguardConfigError("logger", "expected an object with warn() and error().");
  }
  return {
    rootKey,
    url,
    displayUrl: withoutCredentials(url),
    origins,
    timeoutMs,
    fetch: fetchImpl,
    logger,
  };
}

/**
 * A URL without its userinfo: credentials a gateway needs (`https://user:token@…`) travel in
 * the request, never in a log line or a span (OpenTelemetry: `url.full` must not hold them).
 */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return url;
  parsed.username = "";
  parsed.password = "";
  return parsed.href;
}
