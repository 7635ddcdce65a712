import { KeyguardConfigError } from "./errors";
import { CACHE_OPTION_NAMES, rejectUnknownOptions, VERIFIER_OPTION_NAMES } from "./option-names";
import { checkSharedCache, type SharedCache } from "./shared-cache";
import type { FailureMode, Logger } from "./types";

/** Cache settings of a verifier. */
export interface CacheOptions {
  /**
   * How long a valid, unmetered verification is served from memory.
   * Unkey documents revocation as taking up to 60 s; a few seconds adds little.
   * @default 5000
   */
  ttlMs?: number | undefined;
  /**
   * How long a `NOT_FOUND`, `DISABLED` or `EXPIRED` answer is served from memory,
   * to absorb floods of one bad key. `0` disables negative caching.
   * @default 1000
   */
  negativeTtlMs?: number | undefined;
  /**
   * Most entries kept (least recently used are evicted), so a flood of random
   * keys cannot grow memory.
   * @default 10000
   */
  max?: number | undefined;
}

/** Options of {@link createVerifier}; every option is validated when the verifier is created. */
export interface VerifierOptions {
  /**
   * Unkey root key with permission to verify keys.
   * @default process.env.UNKEY_ROOT_KEY
   */
  rootKey?: string | undefined;
  /**
   * Unkey API origin; point it at `@keyguard/emulator` for local work and tests.
   * @default process.env.UNKEY_BASE_URL ?? "https://api.unkey.com"
   */
  baseUrl?: string | undefined;
  /**
   * Abort an upstream verification after this many ms. Unkey's SDK has no
   * timeout and retries 5xx for up to 10 s, which would stall the request path.
   * @default 2000
   */
  timeoutMs?: number | undefined;
  /**
   * In-process cache of verifications, or `false` to ask Unkey on every request.
   * @default { ttlMs: 5000, negativeTtlMs: 1000, max: 10000 }
   */
  cache?: CacheOptions | false | undefined;
  /**
   * What an outage of Unkey does to a request: `"closed"` refuses it (503);
   * `"open"` lets it through with `context.source === "fail-open"` on routes
   * without a permission query.
   * @default "closed"
   */
  failureMode?: FailureMode | undefined;
  /**
   * When Unkey fails, serve a valid cached verification that expired at most this
   * many ms ago (`context.source === "stale"`). `0` turns it off.
   * @default 0
   */
  staleIfErrorMs?: number | undefined;
  /**
   * A cache shared by every instance of the app (second tier, behind the
   * in-process one), which also carries `invalidate` and `invalidateKeyId` to
   * every instance: `redisCache()` from `@keyguard/redis`. It holds exactly what
   * the in-process cache may hold (never a metered verification); when it fails
   * or is slow, requests go to Unkey as if it were not there.
   * @default undefined (each instance caches on its own)
   */
  sharedCache?: SharedCache | undefined;
  /**
   * The fetch implementation used to reach Unkey.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * Where warnings and misconfiguration are reported. Messages never contain a key.
   * @default console
   */
  logger?: Logger | undefined;
}

/** Options with every default applied: built once, at creation. */
export interface ResolvedVerifierOptions {
  readonly rootKey: string;
  readonly verifyUrl: string;
  readonly timeoutMs: number;
  readonly cache: Required<CacheOptions> | false;
  readonly failureMode: FailureMode;
  readonly staleIfErrorMs: number;
  readonly sharedCache: SharedCache | undefined;
  readonly fetch: typeof globalThis.fetch;
  readonly logger: Logger;
}

/** The defaults, in exactly one place. */
export const VERIFIER_DEFAULTS = Object.freeze({
  baseUrl: "https://api.unkey.com",
  timeoutMs: 2000,
  cache: Object.freeze({ ttlMs: 5000, negativeTtlMs: 1000, max: 10_000 }),
  failureMode: "closed" as FailureMode,
  staleIfErrorMs: 0,
});

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] ||
  undefined;

const describe = (value: unknown) =>
  typeof value === "string" ? JSON.stringify(value) : String(value);

/** The largest delay a timer takes (2^31 - 1 ms, about 24.8 days); larger ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;
/** A cache larger than this is a mistake (100 million entries is gigabytes of memory). */
export const MAX_CACHE_ENTRIES = 100_000_000;

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

/**
 * Applies defaults and validates options, throwing a {@link KeyguardConfigError}
 * that names the first bad option. Called once, when a verifier is created.
 */
export function resolveVerifierOptions(options: VerifierOptions = {}): ResolvedVerifierOptions {
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  rejectUnknownOptions(options, VERIFIER_OPTION_NAMES);
  const rootKey = options.rootKey ?? env("UNKEY_ROOT_KEY");
  if (typeof rootKey !== "string" || rootKey.trim() === "") {
    throw new KeyguardConfigError(
      "rootKey",
      "no Unkey root key. Pass `rootKey`, or set the UNKEY_ROOT_KEY environment variable (for local work, start `keyguard-emulator` and use the root key it prints).",
    );
  }
  const baseUrl = options.baseUrl ?? env("UNKEY_BASE_URL") ?? VERIFIER_DEFAULTS.baseUrl;
  let verifyUrl: string;
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
    verifyUrl = new URL("/v2/keys.verifyKey", url).href;
  } catch {
    throw new KeyguardConfigError(
      "baseUrl",
      `expected an http(s) URL such as "https://api.unkey.com", got ${describe(baseUrl)}.`,
    );
  }
  const timeoutMs = wholeNumber(
    "timeoutMs",
    options.timeoutMs,
    VERIFIER_DEFAULTS.timeoutMs,
    1,
    MAX_TIMER_MS,
  );

  let cache: Required<CacheOptions> | false = false;
  if (options.cache !== false) {
    const given = options.cache ?? {};
    if (typeof given !== "object" || given === null) {
      throw new KeyguardConfigError(
        "cache",
        `expected an object or false, got ${describe(given)}.`,
      );
    }
    rejectUnknownOptions(given, CACHE_OPTION_NAMES, "cache.");
    const d = VERIFIER_DEFAULTS.cache;
    cache = {
      ttlMs: wholeNumber("cache.ttlMs", given.ttlMs, d.ttlMs, 0, MAX_TIMER_MS),
      negativeTtlMs: wholeNumber(
        "cache.negativeTtlMs",
        given.negativeTtlMs,
        d.negativeTtlMs,
        0,
        MAX_TIMER_MS,
      ),
      max: wholeNumber("cache.max", given.max, d.max, 1, MAX_CACHE_ENTRIES),
    };
  }

  const failureMode = options.failureMode ?? VERIFIER_DEFAULTS.failureMode;
  if (failureMode !== "closed" && failureMode !== "open") {
    throw new KeyguardConfigError(
      "failureMode",
      `expected "closed" or "open", got ${describe(failureMode)}.`,
    );
  }
  const staleIfErrorMs = wholeNumber(
    "staleIfErrorMs",
    options.staleIfErrorMs,
    VERIFIER_DEFAULTS.staleIfErrorMs,
    0,
    MAX_TIMER_MS,
  );
  const sharedCache = checkSharedCache(options.sharedCache);
  if (sharedCache !== undefined && cache === false) {
    throw new KeyguardConfigError(
      "sharedCache",
      "a shared cache sits behind the in-process cache, which `cache: false` turns off; remove one of them.",
    );
  }
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
    verifyUrl,
    timeoutMs,
    cache,
    failureMode,
    staleIfErrorMs,
    sharedCache,
    fetch: fetchImpl,
    logger,
  };
}
