import { KeyguardConfigError, KeyguardError, VerifierError } from "../errors";
import { type ConnectionOptions, resolveConnection } from "../options/connection-options";
import { rejectUnknownOptions } from "../options/option-names";
import { createUnkeyCall } from "../transport/unkey-call";
import type { FailureMode } from "../types";
import { parseMultiLimitData, type RatelimitGroupResponse } from "./ratelimit-group-response";
import { type CounterMemory, type IdentifierMemory, RatelimitMemory } from "./ratelimit-memory";
import {
  checkCache,
  checkCost,
  checkDuration,
  checkLimit,
  checkNamespace,
  checkOneOf,
  type RatelimitCacheOptions,
} from "./ratelimit-options";
import type { RatelimitResponse } from "./ratelimit-response";
import { checkIdentifier, createReporter, isOutage, type RatelimiterStats } from "./ratelimiter";

/** One limit of a group: a namespace, its limit and window. */
export interface GroupLimit {
  readonly namespace: string;
  readonly limit: number;
  readonly duration: number;
}

/** Options of {@link createRatelimitGroup}: the limits, and the rate limiter's other options. */
export interface RatelimitGroupOptions extends ConnectionOptions {
  /** 1 to 100 limits (Unkey's bound for `ratelimit.multiLimit`), checked together, all or nothing. */
  limits: readonly GroupLimit[];
  /** @default "closed" */
  failureMode?: FailureMode | undefined;
  /** @default { max: 10000, ttlMs: 5000 } (per namespace) */
  cache?: RatelimitCacheOptions | false | undefined;
  /** @default "sync" */
  mode?: "sync" | "async" | undefined;
}

/** One call's identifier and cost for one limit, in the group's order. */
export interface GroupCheck {
  readonly identifier: string;
  /** @default 1 */
  readonly cost?: number | undefined;
}

/** Several rate limits checked in one `ratelimit.multiLimit` call, all or nothing, as Unkey does. */
export interface RatelimitGroup {
  /** Checks one identifier (and cost) per limit, in the group's order. */
  limit(checks: readonly GroupCheck[]): Promise<RatelimitGroupResponse>;
  stats(): RatelimiterStats;
  clear(): void;
  readonly limits: readonly GroupLimit[];
}

// svc/api/openapi/spec/paths/v2/ratelimit/multiLimit: 1 to 100 checks per call.
const MAX_LIMITS = 100;
const GROUP_OPTION_NAMES = [
  "rootKey",
  "baseUrl",
  "timeoutMs",
  "fetch",
  "logger",
  "limits",
  "failureMode",
  "cache",
  "mode",
];

interface LimitBody extends GroupLimit {
  readonly identifier: string;
  readonly cost: number;
}

/** What a limit of a group names. */
export const GROUP_LIMIT_NAMES: readonly string[] = ["namespace", "limit", "duration"];

/** The limits, each checked within Unkey's bounds, naming `limits[i].field` when one is not. */
export function checkGroupLimits(value: unknown): readonly GroupLimit[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIMITS)
    throw new KeyguardConfigError(
      "limits",
      `expected an array of 1 to ${MAX_LIMITS} { namespace, limit, duration } (Unkey's bound for ratelimit.multiLimit).`,
    );
  return Object.freeze(
    value.map((given, i) => {
      const at = `limits[${i}]`;
      if (typeof given !== "object" || given === null)
        throw new KeyguardConfigError(at, "expected { namespace, limit, duration }.");
      rejectUnknownOptions(given, GROUP_LIMIT_NAMES, `${at}.`);
      const { namespace, limit, duration } = given as GroupLimit;
      return Object.freeze({
        namespace: checkNamespace(namespace, `${at}.namespace`),
        limit: checkLimit(`${at}.limit`, limit ?? Number.NaN, 0),
        duration: checkDuration(`${at}.duration`, duration ?? Number.NaN, 0),
      });
    }),
  );
}

/**
 * Creates a group of rate limits checked together with Unkey's `ratelimit.multiLimit`: one
 * call per request, admitted only if every limit passes, and then counted in all of them
 * (Unkey's RatelimitMany rolls every counter back when one fails). Local memory follows the
 * single limiter's rules per limit: a request is refused here when Unkey provably refuses
 * one of its limits, and `mode: "async"` admits early only when every limit provably has room.
 *
 * @example
 * ```ts
 * const group = createRatelimitGroup({ limits: [
 *   { namespace: "api.ip", limit: 100, duration: 60_000 },
 *   { namespace: "api.tenant", limit: 10_000, duration: 3_600_000 },
 * ] });
 * const { success } = await group.limit([{ identifier: ip }, { identifier: tenant }]);
 * ```
 */
export function createRatelimitGroup(options: RatelimitGroupOptions): RatelimitGroup {
  if (typeof options !== "object" || options === null)
    throw new KeyguardConfigError("options", "expected an object.");
  rejectUnknownOptions(options, GROUP_OPTION_NAMES);
  const limits = checkGroupLimits(options.limits);
  const failureMode = checkOneOf("failureMode", options.failureMode, ["closed", "open"] as const);
  const mode = checkOneOf("mode", options.mode, ["sync", "async"] as const);
  const cache = checkCache(options.cache);
  if (mode === "async" && cache === false)
    throw new KeyguardConfigError(
      "mode",
      '"async" admits from local memory, which `cache: false` turns off; remove one of them.',
    );
  const connection = resolveConnection(options, "/v2/ratelimit.multiLimit");
  const report = createReporter({
    ...connection,
    namespace: limits.map((l) => l.namespace).join(", "),
  });
  const send = createUnkeyCall<readonly LimitBody[], RatelimitGroupResponse>(connection, {
    operation: "ratelimit.multiLimit",
    parse: parseMultiLimitData,
    answer: "a multi-limit answer",
    noun: "multi-limit",
    right:
      "limit in these namespaces (ratelimit.*.limit, and ratelimit.*.create_namespace to create them)",
    requestHint: "Check the limits' namespaces, limits, durations and costs.",
    traceFields: (answer) => ({ success: answer.success, requestId: answer.requestId }),
  });
  // One memory per namespace: limits of one namespace share Unkey's counters, as at Unkey.
  const memories =
    cache === false
      ? undefined
      : new Map(limits.map((l) => [l.namespace, new RatelimitMemory(cache.max, cache.ttlMs)]));
  const counters = {
    calls: 0,
    refusedLocally: 0,
    coalesced: 0,
    admittedAsync: 0,
    asyncFailures: 0,
    failedOpen: 0,
  };

  function bodiesOf(checks: readonly GroupCheck[]): LimitBody[] {
    if (!Array.isArray(checks) || checks.length !== limits.length)
      throw new TypeError(
        `limit(checks): expected one { identifier, cost? } per limit (${limits.length}).`,
      );
    return limits.map((limit, i) => ({
      ...limit,
      identifier: checkIdentifier(checks[i]?.identifier),
      cost: checkCost(`checks[${i}].cost`, checks[i]?.cost, 1),
    }));
  }

  async function limit(checks: readonly GroupCheck[]): Promise<RatelimitGroupResponse> {
    counters.calls++;
    const bodies = bodiesOf(checks);
    const known = memories === undefined ? undefined : knownOf(memories, bodies);
    try {
      if (known !== undefined) {
        const now = Date.now();
        const local =
          refusedHere(bodies, known, now) ??
          (mode === "async" ? admitAsync(bodies, known, now) : undefined);
        if (local !== undefined) return local;
      }
      return await ask(bodies, known);
    } catch (error) {
      if (error instanceof KeyguardError && !(error instanceof VerifierError)) throw error;
      report(error);
      if (failureMode !== "open" || !isOutage(error)) throw error;
      counters.failedOpen++;
      return { success: true, source: "fail-open", limits: bodies.map((b) => openAnswer(b)) };
    }
  }

  /** A refusal here when Unkey provably refuses one of the limits (then none is counted). */
  function refusedHere(bodies: readonly LimitBody[], known: readonly Known[], now: number) {
    const answers = bodies.map((body, i) => localAnswer(body, known[i] as Known, now, "local"));
    if (answers.every((answer) => answer.success)) return undefined;
    counters.refusedLocally++;
    return { success: false, source: "local" as const, limits: answers };
  }

  function admitAsync(bodies: readonly LimitBody[], known: readonly Known[], now: number) {
    const room = bodies.map((body, i) => {
      const { identifier, counter } = known[i] as Known;
      return counter.available(identifier.applied(body.limit), now) - body.cost;
    });
    if (room.some((left) => left < 0)) return undefined;
    counters.admittedAsync++;
    ask(bodies, known).catch((error: unknown) => {
      counters.asyncFailures++;
      // As the single limiter: after a failed call, every limit's next call waits for Unkey.
      for (const { counter } of known) counter.forget();
      report(error);
    });
    const answers = bodies.map((body, i) => ({
      ...localAnswer(body, known[i] as Known, now, "async"),
      remaining: room[i] as number,
    }));
    return { success: true, source: "async" as const, limits: answers };
  }

  /** One multiLimit call; what it shows goes to each limit's memory. */
  async function ask(bodies: readonly LimitBody[], known: readonly Known[] | undefined) {
    const sentAt = Date.now();
    for (const [i, body] of bodies.entries())
      if (known) (known[i] as Known).counter.inflight += body.cost;
    let answer: RatelimitGroupResponse | undefined;
    try {
      const got = await send(bodies);
      if (got.limits.length !== bodies.length)
        throw new VerifierError(
          "VERIFIER_UNAVAILABLE",
          "Unkey answered a multi-limit call with another number of limits than it was sent.",
        );
      answer = got;
      return got;
    } finally {
      for (const [i, body] of bodies.entries()) {
        const here = known?.[i];
        if (here === undefined) continue;
        const result = answer?.limits[i];
        if (result !== undefined && answer !== undefined)
          here.identifier.learn(
            body.duration,
            body.cost,
            sentAt,
            result,
            answer.success && result.success,
          );
        here.counter.settle(body.cost);
      }
    }
  }

  return {
    limit,
    stats: () => ({
      ...counters,
      upstreamCalls: send.calls(),
      size: [...(memories?.values() ?? [])].reduce((sum, memory) => sum + memory.size, 0),
    }),
    clear: () => {
      for (const memory of memories?.values() ?? []) memory.clear();
    },
    limits,
  };
}

interface Known {
  readonly identifier: IdentifierMemory;
  readonly counter: CounterMemory;
}

/**
 * What the memory holds for each limit of a call; `undefined` (ask Unkey, learn nothing) when
 * two limits of the call draw on one of Unkey's counters: Unkey then counts the earlier one's
 * cost in the later one (ratelimit.go, RatelimitMany), which one answer cannot untangle.
 */
function knownOf(
  memories: ReadonlyMap<string, RatelimitMemory>,
  bodies: readonly LimitBody[],
): readonly Known[] | undefined {
  // Namespace and identifier alone: an override gives every duration one counter.
  const counters = new Set(bodies.map((b) => `${b.namespace}\n${b.identifier}`));
  if (counters.size < bodies.length) return undefined;
  return bodies.map((body) =>
    known1((memories.get(body.namespace) as RatelimitMemory).of(body.identifier), body),
  );
}

const known1 = (identifier: IdentifierMemory, body: LimitBody): Known => ({
  identifier,
  counter: identifier.counter(body.duration),
});

/** What is known of one limit now: refused when Unkey provably would, else its room at most. */
function localAnswer(
  body: LimitBody,
  known: Known,
  now: number,
  source: "local" | "async",
): RatelimitResponse {
  const limit = known.identifier.applied(body.limit);
  const blocked = known.counter.blocks(limit, body.cost, now);
  return {
    success: !blocked,
    limit,
    remaining: blocked ? 0 : Math.max(0, limit - known.counter.lower(now)),
    reset: known.counter.windowEnd(now),
    source,
    overrideId: known.identifier.override?.id,
  };
}

const openAnswer = (body: LimitBody): RatelimitResponse => ({
  success: true,
  limit: body.limit,
  remaining: body.limit,
  reset: 0,
  source: "fail-open",
});
