import { KeyguardError, RatelimitIdentifierError, VerifierError } from "../errors";
import { codePoints } from "../extract/key-format";
import { createUnkeyCall } from "../transport/unkey-call";
import { type CounterMemory, type IdentifierMemory, RatelimitMemory } from "./ratelimit-memory";
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

/** What the memory holds for one call: its identifier's memory and the counter it draws on. */
interface Known {
  readonly identifier: IdentifierMemory;
  readonly counter: CounterMemory;
}

/** The body of `POST /v2/ratelimit.limit`. */
interface LimitBody {
  namespace: string;
  identifier: string;
  limit: number;
  duration: number;
  cost: number;
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

const UNAVAILABLE_LOG_INTERVAL_MS = 30_000;

/** Logs a misconfiguration once and an outage at most every 30 s; never the root key. */
export function createReporter(
  resolved: Pick<ResolvedRatelimiterOptions, "displayUrl" | "namespace" | "logger">,
) {
  let misconfigured = false;
  let unavailableAt = Number.NEGATIVE_INFINITY;
  return (error: unknown) => {
    if (!(error instanceof VerifierError)) return;
    const where = `(${resolved.displayUrl}, namespace ${JSON.stringify(resolved.namespace)})`;
    if (error.code === "VERIFIER_MISCONFIGURED") {
      if (misconfigured) return;
      misconfigured = true;
      resolved.logger.error(`[keyguard] ratelimit: ${error.message} ${where}`);
    } else if (Date.now() - unavailableAt >= UNAVAILABLE_LOG_INTERVAL_MS) {
      unavailableAt = Date.now();
      resolved.logger.warn(`[keyguard] ratelimit: ${error.message} ${where}`);
    }
  };
}

/**
 * Whether a failure lets the call through under fail-open: an outage, never Unkey's own 429
 * nor one stalled call while Unkey answers the others (an attacker who can slow one call
 * down must not open a login limit).
 */
export const isOutage = (error: unknown) => error instanceof VerifierError && error.outage;

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
  const send = createUnkeyCall<LimitBody, RatelimitResponse>(resolved, {
    operation: "ratelimit.limit",
    parse: parseRatelimitData,
    answer: "a rate-limit answer",
    noun: "rate-limit",
    right:
      "limit in this namespace (ratelimit.*.limit, and ratelimit.*.create_namespace to create it)",
    requestHint: "Check the namespace, limit, duration and cost options.",
    traceFields: (answer) => ({ success: answer.success, requestId: answer.requestId }),
  });
  const memory =
    resolved.cache === false
      ? undefined
      : new RatelimitMemory(resolved.cache.max, resolved.cache.ttlMs);
  const report = createReporter(resolved);
  const counters = {
    calls: 0,
    refusedLocally: 0,
    coalesced: 0,
    admittedAsync: 0,
    asyncFailures: 0,
    failedOpen: 0,
  };

  /** One call to Unkey; what it learns goes to the identifier's memory, its cost is out on `counter` until then. */
  async function ask(body: LimitBody, known?: Known): Promise<RatelimitResponse> {
    if (known === undefined) return send(body);
    const { identifier, counter } = known;
    const sentAt = Date.now();
    counter.inflight += body.cost;
    try {
      const answer = await send(body);
      identifier.learn(body.duration, body.cost, sentAt, answer);
      counter.settle(body.cost);
      return answer;
    } catch (error) {
      counter.settle(body.cost, error);
      throw error;
    }
  }

  /** The local refusal: what Unkey would answer now, its applied limit and override included. */
  const blocked = (known: Known, limit: number, now: number): RatelimitResponse => {
    counters.refusedLocally++;
    return {
      success: false,
      limit,
      remaining: 0,
      reset: known.counter.windowEnd(now),
      source: "local",
      overrideId: known.identifier.override?.id,
    };
  };

  /**
   * Sync mode: what Unkey provably refuses is refused here; a call the estimate cannot
   * cover while another is out waits for that one (its answer may prove a refusal, or
   * leave room), so a flood of one identifier sends one call at a time once it nears its
   * limit. Every admission is Unkey's own answer.
   */
  async function decide(body: LimitBody, known: Known): Promise<RatelimitResponse> {
    for (;;) {
      const now = Date.now();
      const counter = known.identifier.counter(body.duration);
      const limit = known.identifier.applied(body.limit);
      const here = { identifier: known.identifier, counter };
      if (counter.blocks(limit, body.cost, now)) return blocked(here, limit, now);
      if (counter.inflight > 0 && counter.available(limit, now) < body.cost) {
        counters.coalesced++;
        const settled = await counter.nextSettlement();
        // The call waited on failed: so does this one (an outage is not retried in a queue).
        if (settled.error !== undefined) throw settled.error;
        continue;
      }
      return ask(body, here);
    }
  }

  /** Async mode: admit now when Unkey provably would (its applied limit), and tell it in the background. */
  function admitAsync(body: LimitBody, known: Known): RatelimitResponse | undefined {
    const now = Date.now();
    const { identifier, counter } = known;
    const limit = identifier.applied(body.limit);
    const room = counter.available(limit, now);
    if (counter.blocks(limit, body.cost, now) || room < body.cost) return undefined;
    counters.admittedAsync++;
    ask(body, known).catch((error: unknown) => {
      counters.asyncFailures++;
      // The next call waits for Unkey, as in sync mode: a failed call proves no room (a ban
      // override of limit 0 answers 500), so async admissions stop until Unkey answers again.
      counter.forget();
      report(error);
    });
    return {
      success: true,
      limit,
      remaining: Math.max(0, room - body.cost),
      reset: counter.windowEnd(now),
      source: "async",
      overrideId: identifier.override?.id,
    };
  }

  function failOpen(body: LimitBody, error: unknown): RatelimitResponse {
    report(error);
    if (resolved.failureMode !== "open" || !isOutage(error)) throw error;
    counters.failedOpen++;
    return {
      success: true,
      limit: body.limit,
      remaining: body.limit,
      reset: 0,
      source: "fail-open",
    };
  }

  function bodyOf(identifier: string, options: LimitOptions | undefined): LimitBody {
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

  async function limit(identifier: string, options?: LimitOptions): Promise<RatelimitResponse> {
    counters.calls++;
    const body = bodyOf(identifier, options);
    // Unkey keeps one counter per namespace, identifier and duration, whatever the limit
    // (internal/services/ratelimit/keys.go): calls under other limits share what is known.
    const remembered = memory?.of(body.identifier);
    const known =
      remembered === undefined
        ? undefined
        : { identifier: remembered, counter: remembered.counter(body.duration) };
    const early = known && resolved.mode === "async" ? admitAsync(body, known) : undefined;
    if (early !== undefined) return early;
    try {
      return known === undefined ? await ask(body) : await decide(body, known);
    } catch (error) {
      if (error instanceof KeyguardError && !(error instanceof VerifierError)) throw error;
      return failOpen(body, error);
    }
  }

  const { rootKey: _rootKey, fetch: _fetch, logger: _logger, url: _url, ...visible } = resolved;
  return {
    limit,
    stats: () => ({ ...counters, upstreamCalls: send.calls(), size: memory?.size ?? 0 }),
    clear: () => memory?.clear(),
    options: Object.freeze(visible),
  };
}
