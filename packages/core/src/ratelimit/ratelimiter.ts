import { KeyguardError, RatelimitIdentifierError, VerifierError } from "../errors";
import { codePoints } from "../extract/key-format";
import { createUnkeyCall } from "../transport/unkey-call";
import {
  admitAsync,
  askUnkey,
  decideSync,
  failOpen,
  type LimitBody,
  type LimiterContext,
  limiterCounters,
} from "./limiter-steps";
import { createReporter } from "./ratelimit-failure";
import { RatelimitMemory } from "./ratelimit-memory";
import {
  checkCost,
  checkDuration,
  checkLimit,
  RATELIMIT_BOUNDS,
  type RatelimiterOptions,
  type ResolvedRatelimiterOptions,
  resolveRatelimiterOptions,
} from "./ratelimit-options";
import { parseRatelimitData, type RatelimitResponse } from "./ratelimit-response";

/** Per-call overrides of `limit()`: how much this call costs, and another limit or window. */
export interface LimitOptions {
  /** Units this call consumes (`0` checks without consuming). @default 1 */
  cost?: number | undefined;
  /** Overrides the rate limiter's `limit` for this call. */
  limit?: number | undefined;
  /** Overrides the rate limiter's `duration` for this call. */
  duration?: number | undefined;
}

/** Counters of a rate limiter, for dashboards and tests. */
export interface RatelimiterStats {
  /** `limit()` calls made. */
  readonly calls: number;
  /** HTTP requests sent to Unkey (a refused connection retried counts twice). */
  readonly upstreamCalls: number;
  /** Calls refused locally: the identifier was known to be blocked. */
  readonly refusedLocally: number;
  /** Calls that waited for another call of the same identifier before deciding. */
  readonly coalesced: number;
  /** Calls admitted from the local estimate in `mode: "async"`. */
  readonly admittedAsync: number;
  /** Background calls of `mode: "async"` that failed (their requests were already admitted). */
  readonly asyncFailures: number;
  /** Calls let through by `failureMode: "open"` while Unkey could not answer. */
  readonly failedOpen: number;
  /** Identifiers remembered. */
  readonly size: number;
}

/** A rate limiter on Unkey's `ratelimit.limit`: create one per limit and share it. */
export interface Ratelimiter {
  /**
   * Counts one call of `identifier`. Resolves with Unkey's verdict (or the
   * local one, see `source`); rejects with a `VerifierError` when Unkey cannot
   * answer under `failureMode: "closed"`, and with a `RatelimitIdentifierError`
   * for an identifier Unkey would refuse.
   */
  limit(identifier: string, options?: LimitOptions): Promise<RatelimitResponse>;
  stats(): RatelimiterStats;
  /** Forgets every identifier (blocks included). */
  clear(): void;
  /** The options in force, defaults applied (the root key is not exposed). */
  readonly options: Omit<ResolvedRatelimiterOptions, "rootKey" | "fetch" | "logger" | "url">;
}

/** Checks an identifier against Unkey's bounds (1..512 characters), naming what is wrong. */
export function checkIdentifier(identifier: unknown): string {
  if (typeof identifier !== "string") {
    throw new RatelimitIdentifierError(
      `The rate-limit identifier must be a string, got ${identifier === null ? "null" : typeof identifier}.`,
    );
  }
  // Unkey's bound counts characters (code points), not UTF-16 units: an emoji is one.
  const length =
    identifier.length <= RATELIMIT_BOUNDS.nameLength ? identifier.length : codePoints(identifier);
  if (length === 0 || length > RATELIMIT_BOUNDS.nameLength) {
    throw new RatelimitIdentifierError(
      `The rate-limit identifier must be 1 to ${RATELIMIT_BOUNDS.nameLength} characters (Unkey's bound), got ${length}.`,
    );
  }
  return identifier;
}

/**
 * Creates a rate limiter on Unkey's `POST /v2/ratelimit.limit`, through the
 * same transport as the verifier (timeout, size cap, one retry only after a
 * refused connection). Locally it refuses an identifier Unkey blocked until the
 * block's `reset`, and lets concurrent calls of one identifier wait for the
 * call already out only when its answer could decide them; it never admits
 * what Unkey would refuse, except in the opt-in `mode: "async"` (see README).
 *
 * @example
 * ```ts
 * const limiter = createRatelimiter({ namespace: "auth.login", limit: 5, duration: 60_000 });
 * const { success, remaining, reset } = await limiter.limit(`ip:${ip}`);
 * ```
 */
export function createRatelimiter(options: RatelimiterOptions): Ratelimiter {
  const resolved = resolveRatelimiterOptions(options);
  const send = createLimitCall(resolved);
  const memory =
    resolved.cache === false
      ? undefined
      : new RatelimitMemory(resolved.cache.max, resolved.cache.ttlMs);
  const context: LimiterContext = {
    send,
    report: createReporter(resolved),
    counters: limiterCounters(),
    failureMode: resolved.failureMode,
  };

  async function limit(identifier: string, options?: LimitOptions): Promise<RatelimitResponse> {
    context.counters.calls++;
    const body = bodyOf(resolved, identifier, options);
    // Unkey keeps one counter per namespace, identifier and duration, whatever the limit
    // (internal/services/ratelimit/keys.go): calls under other limits share what is known.
    const remembered = memory?.of(body.identifier);
    const known =
      remembered === undefined
        ? undefined
        : { identifier: remembered, counter: remembered.counter(body.duration) };
    const early = known && resolved.mode === "async" ? admitAsync(context, body, known) : undefined;
    if (early !== undefined) return early;
    try {
      return known === undefined
        ? await askUnkey(context, body)
        : await decideSync(context, body, known);
    } catch (error) {
      if (error instanceof KeyguardError && !(error instanceof VerifierError)) throw error;
      return failOpen(context, body, error);
    }
  }

  const { rootKey: _rootKey, fetch: _fetch, logger: _logger, url: _url, ...visible } = resolved;
  return {
    limit,
    stats: () => ({ ...context.counters, upstreamCalls: send.calls(), size: memory?.size ?? 0 }),
    clear: () => memory?.clear(),
    options: Object.freeze(visible),
  };
}

/** The `ratelimit.limit` call: the verifier's transport (timeout, size cap, one retry only after a refused connection). */
function createLimitCall(resolved: ResolvedRatelimiterOptions) {
  return createUnkeyCall<LimitBody, RatelimitResponse>(resolved, {
    operation: "ratelimit.limit",
    parse: parseRatelimitData,
    answer: "a rate-limit answer",
    noun: "rate-limit",
    right:
      "limit in this namespace (ratelimit.*.limit, and ratelimit.*.create_namespace to create it)",
    requestHint: "Check the namespace, limit, duration and cost options.",
    traceFields: (answer) => ({ success: answer.success, requestId: answer.requestId }),
  });
}

/** The body of one `limit()` call: the limiter's options, the call's overrides checked. */
function bodyOf(
  resolved: ResolvedRatelimiterOptions,
  identifier: string,
  options: LimitOptions | undefined,
): LimitBody {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError("limit(identifier, options): options must be an object.");
  }
  return {
    namespace: resolved.namespace,
    identifier: checkIdentifier(identifier),
    limit: checkLimit("limit", options?.limit, resolved.limit),
    duration: checkDuration("duration", options?.duration, resolved.duration),
    cost: checkCost("cost", options?.cost, 1),
  };
}
