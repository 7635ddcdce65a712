import { KeyguardConfigError } from "../errors";
import {
  type ConnectionOptions,
  describe,
  MAX_TIMER_MS,
  type ResolvedConnection,
  resolveConnection,
  wholeNumber,
} from "../options/connection-options";
import { rejectUnknownOptions } from "../options/option-names";
import type { FailureMode } from "../types";

// Unkey's bounds for `POST /v2/ratelimit.limit`, from its OpenAPI schema
// (svc/api/openapi/spec/paths/v2/ratelimit/limit/V2RatelimitLimitRequestBody.yaml):
// namespace and identifier 1..512 characters (varchar(512) columns), limit ≥ 1,
// duration 1 s .. 30 days, cost ≥ 0 (int64: JavaScript stops at 2^53 - 1).
export const RATELIMIT_BOUNDS = /* @__PURE__ */ Object.freeze({
  nameLength: 512,
  minLimit: 1,
  minDuration: 1000,
  maxDuration: 2_592_000_000,
  maxCount: Number.MAX_SAFE_INTEGER,
});

/** Local memory of a rate limiter: identifiers known to be blocked, and their last answers. */
export interface RatelimitCacheOptions {
  /**
   * How long what Unkey's latest answer for an identifier shows is trusted to refuse, or (in
   * `mode: "async"`) to admit, without asking Unkey: an override set, raised or deleted at
   * Unkey reaches this process's decisions within this time.
   * @default 5000
   */
  ttlMs?: number | undefined;
  /**
   * Most identifiers remembered (least recently used are forgotten first), so a
   * flood of random identifiers cannot grow memory. Forgetting one only costs an
   * upstream call.
   * @default 10000
   */
  max?: number | undefined;
}

/** Options of {@link createRatelimiter}; every option is validated when the rate limiter is created. */
export interface RatelimiterOptions extends ConnectionOptions {
  /**
   * The Unkey rate-limit namespace, by name or id (`"auth.login"`); Unkey
   * creates it on first use when the root key may (`ratelimit.*.create_namespace`).
   */
  namespace: string;
  /** Requests (or cost units) allowed per `duration` and identifier. */
  limit: number;
  /** The window, in ms (1 s to 30 days). */
  duration: number;
  /**
   * What an outage of Unkey does: `"closed"` refuses the request (503);
   * `"open"` lets it through flagged (`source: "fail-open"`, and the
   * `x-keyguard-fail-open: true` header from the middleware).
   * @default "closed"
   */
  failureMode?: FailureMode | undefined;
  /**
   * Local memory (blocked identifiers refused until their reset with no
   * upstream call, concurrent calls coalesced where that cannot over-admit),
   * or `false` to ask Unkey on every call.
   * @default { max: 10000, ttlMs: 5000 }
   */
  cache?: RatelimitCacheOptions | false | undefined;
  /**
   * `"sync"` waits for Unkey on every call that is not known to be blocked.
   * `"async"` admits from the local estimate (Unkey's last `remaining`, less the
   * cost of calls still out) and tells Unkey in the background; a call the
   * estimate cannot cover waits for Unkey. See the README for its error bound.
   * @default "sync"
   */
  mode?: "sync" | "async" | undefined;
}

/** The names `createRatelimiter` accepts. */
export const RATELIMITER_OPTION_NAMES: readonly (keyof RatelimiterOptions & string)[] =
  /* @__PURE__ */ Object.freeze(
    /* @__PURE__ */ Object.keys({
      rootKey: true,
      baseUrl: true,
      timeoutMs: true,
      fetch: true,
      logger: true,
      namespace: true,
      limit: true,
      duration: true,
      failureMode: true,
      cache: true,
      mode: true,
    } satisfies Record<keyof RatelimiterOptions, true>) as (keyof RatelimiterOptions & string)[],
  );

/** Rate-limiter options with every default applied: built once, at creation. */
export interface ResolvedRatelimiterOptions extends ResolvedConnection {
  readonly namespace: string;
  readonly limit: number;
  readonly duration: number;
  readonly failureMode: FailureMode;
  readonly cache: Required<RatelimitCacheOptions> | false;
  readonly mode: "sync" | "async";
}

/** A count within Unkey's bounds: `limit` (≥ 1) or `cost` (≥ 0). */
export const checkLimit = (option: string, value: unknown, fallback: number) =>
  wholeNumber(option, value, fallback, RATELIMIT_BOUNDS.minLimit, RATELIMIT_BOUNDS.maxCount);
export const checkCost = (option: string, value: unknown, fallback: number) =>
  wholeNumber(option, value, fallback, 0, RATELIMIT_BOUNDS.maxCount);
export const checkDuration = (option: string, value: unknown, fallback: number) =>
  wholeNumber(option, value, fallback, RATELIMIT_BOUNDS.minDuration, RATELIMIT_BOUNDS.maxDuration);

export function required(option: string, value: unknown): void {
  if (value === undefined) throw new KeyguardConfigError(option, "is required.");
}

export function checkNamespace(value: unknown, option = "namespace"): string {
  required(option, value);
  if (typeof value !== "string" || value.length < 1 || value.length > RATELIMIT_BOUNDS.nameLength) {
    throw new KeyguardConfigError(
      option,
      `expected a string of 1 to ${RATELIMIT_BOUNDS.nameLength} characters (Unkey's bound), got ${describe(value)}.`,
    );
  }
  return value;
}

export function checkOneOf<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (value === undefined) return allowed[0] as T;
  if (!allowed.includes(value as T)) {
    const expected = allowed.map((word) => JSON.stringify(word)).join(" or ");
    throw new KeyguardConfigError(option, `expected ${expected}, got ${describe(value)}.`);
  }
  return value as T;
}

export function checkCache(value: unknown): Required<RatelimitCacheOptions> | false {
  if (value === false) return false;
  const given = value ?? {};
  if (typeof given !== "object" || given === null) {
    throw new KeyguardConfigError("cache", `expected an object or false, got ${describe(given)}.`);
  }
  rejectUnknownOptions(given, ["max", "ttlMs"], "cache.");
  const { max, ttlMs } = given as RatelimitCacheOptions;
  return {
    max: wholeNumber("cache.max", max, 10_000, 1, 100_000_000),
    ttlMs: wholeNumber("cache.ttlMs", ttlMs, 5000, 0, MAX_TIMER_MS),
  };
}

/**
 * Applies defaults and validates a rate limiter's options, throwing a
 * `KeyguardConfigError` that names the first bad one (unknown names with the
 * nearest valid one). Called once, when the rate limiter is created.
 */
export function resolveRatelimiterOptions(options: RatelimiterOptions): ResolvedRatelimiterOptions {
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  rejectUnknownOptions(options, RATELIMITER_OPTION_NAMES);
  const namespace = checkNamespace(options.namespace);
  required("limit", options.limit);
  required("duration", options.duration);
  const limit = checkLimit("limit", options.limit, 0);
  const duration = checkDuration("duration", options.duration, 0);
  const failureMode = checkOneOf("failureMode", options.failureMode, ["closed", "open"] as const);
  const mode = checkOneOf("mode", options.mode, ["sync", "async"] as const);
  const cache = checkCache(options.cache);
  if (mode === "async" && cache === false) {
    throw new KeyguardConfigError(
      "mode",
      '"async" admits from local memory, which `cache: false` turns off; remove one of them.',
    );
  }
  const connection = resolveConnection(options, "/v2/ratelimit.limit");
  return { ...connection, namespace, limit, duration, failureMode, cache, mode };
}
