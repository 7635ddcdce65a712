import { KeyguardConfigError } from "../errors";
import type { FailureMode, Logger } from "../types";
import {
  type BaseUrlOrigin,
  CONNECTION_DEFAULTS,
  describe,
  MAX_TIMER_MS,
  type RootKeyOrigin,
  resolveConnection,
  wholeNumber,
} from "./connection-options";
import { optionNames, rejectUnknownOptions } from "./option-names";
import { checkSharedCache, type SharedCache } from "./shared-cache-option";

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
   * The id of a key migration (`keys.migrateKeys`), sent with every verification: keys
   * imported from another system verify with it (and Unkey rehashes them on first use).
   * Keys created in Unkey verify with it too.
   * @default undefined
   */
  migrationId?: string | undefined;
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

/** The names `createVerifier` accepts; a typo in JavaScript is refused, not ignored. */
export const VERIFIER_OPTION_NAMES = /* @__PURE__ */ optionNames<VerifierOptions>({
  rootKey: true,
  baseUrl: true,
  timeoutMs: true,
  cache: true,
  failureMode: true,
  staleIfErrorMs: true,
  sharedCache: true,
  migrationId: true,
  fetch: true,
  logger: true,
});

/** The names of `cache: { … }`. */
export const CACHE_OPTION_NAMES = /* @__PURE__ */ optionNames<CacheOptions>({
  ttlMs: true,
  negativeTtlMs: true,
  max: true,
});

/** Options with every default applied: built once, at creation. */
export interface ResolvedVerifierOptions {
  readonly rootKey: string;
  /** The `keys.verifyKey` URL as logs and `verifier.options` show it (no credentials). */
  readonly verifyUrl: string;
  /** The URL requests go to, credentials included. */
  readonly requestUrl: string;
  /** Where the root key and base URL came from (for `verifier.check()`'s advice). */
  readonly origins: { readonly rootKey: RootKeyOrigin; readonly baseUrl: BaseUrlOrigin };
  readonly timeoutMs: number;
  readonly cache: Required<CacheOptions> | false;
  readonly failureMode: FailureMode;
  readonly staleIfErrorMs: number;
  readonly sharedCache: SharedCache | undefined;
  readonly migrationId: string | undefined;
  readonly fetch: typeof globalThis.fetch;
  readonly logger: Logger;
}

/** The defaults, in exactly one place. */
export const VERIFIER_DEFAULTS = /* @__PURE__ */ Object.freeze({
  ...CONNECTION_DEFAULTS,
  cache: /* @__PURE__ */ Object.freeze({ ttlMs: 5000, negativeTtlMs: 1000, max: 10_000 }),
  failureMode: "closed" as FailureMode,
  staleIfErrorMs: 0,
});

export { MAX_TIMER_MS, wholeNumber };
/** A cache larger than this is a mistake (100 million entries is gigabytes of memory). */
export const MAX_CACHE_ENTRIES = 100_000_000;

/**
 * Applies defaults and validates options, throwing a {@link KeyguardConfigError}
 * that names the first bad option. Called once, when a verifier is created.
 */
export function resolveVerifierOptions(options: VerifierOptions = {}): ResolvedVerifierOptions {
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  rejectUnknownOptions(options, VERIFIER_OPTION_NAMES);
  const connection = resolveConnection(options, "/v2/keys.verifyKey");
  const { rootKey, timeoutMs, logger } = connection;

  const cache = resolveCache(options.cache);

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
  const migrationId = checkMigrationId(options.migrationId);
  if (sharedCache !== undefined && cache === false) {
    throw new KeyguardConfigError(
      "sharedCache",
      "a shared cache sits behind the in-process cache, which `cache: false` turns off; remove one of them.",
    );
  }
  return {
    rootKey,
    verifyUrl: connection.displayUrl,
    requestUrl: connection.url,
    origins: connection.origins,
    timeoutMs,
    cache,
    failureMode,
    staleIfErrorMs,
    sharedCache,
    migrationId,
    fetch: connection.fetch,
    logger,
  };
}

/** The `cache` option with its defaults, or `false`; each bad field named (`cache.ttlMs`). */
function resolveCache(given: CacheOptions | false | undefined): Required<CacheOptions> | false {
  if (given === false) return false;
  const cache = given ?? {};
  if (typeof cache !== "object" || cache === null) {
    throw new KeyguardConfigError("cache", `expected an object or false, got ${describe(cache)}.`);
  }
  rejectUnknownOptions(cache, CACHE_OPTION_NAMES, "cache.");
  const d = VERIFIER_DEFAULTS.cache;
  return {
    ttlMs: wholeNumber("cache.ttlMs", cache.ttlMs, d.ttlMs, 0, MAX_TIMER_MS),
    negativeTtlMs: wholeNumber(
      "cache.negativeTtlMs",
      cache.negativeTtlMs,
      d.negativeTtlMs,
      0,
      MAX_TIMER_MS,
    ),
    max: wholeNumber("cache.max", cache.max, d.max, 1, MAX_CACHE_ENTRIES),
  };
}

/** Unkey's bound on `keys.verifyKey`'s `migrationId` (V2KeysVerifyKeyRequestBody.yaml): at most 256. */
const MAX_MIGRATION_ID_LENGTH = 256;

function checkMigrationId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_MIGRATION_ID_LENGTH) {
    throw new KeyguardConfigError(
      "migrationId",
      `expected the id of a key migration, 1 to ${MAX_MIGRATION_ID_LENGTH} characters (Unkey's bound), got ${describe(value)}.`,
    );
  }
  return value;
}
