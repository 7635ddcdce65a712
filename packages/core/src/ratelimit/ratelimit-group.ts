import { KeyguardConfigError, KeyguardError, VerifierError } from "../errors";
import {
  type ConnectionOptions,
  type ResolvedConnection,
  resolveConnection,
} from "../options/connection-options";
import { rejectUnknownOptions } from "../options/option-names";
import { createUnkeyCall } from "../transport/unkey-call";
import type { FailureMode } from "../types";
import {
  admitGroupAsync,
  askGroup,
  type GroupContext,
  knownOf,
  openAnswer,
  refusedHere,
} from "./group-steps";
import { type LimitBody, limiterCounters } from "./limiter-steps";
import { createReporter, isOutage } from "./ratelimit-failure";
import { parseMultiLimitData, type RatelimitGroupResponse } from "./ratelimit-group-response";
import { RatelimitMemory } from "./ratelimit-memory";
import {
  checkCache,
  checkCost,
  checkDuration,
  checkLimit,
  checkNamespace,
  checkOneOf,
  type RatelimitCacheOptions,
} from "./ratelimit-options";
import { checkIdentifier, type RatelimiterStats } from "./ratelimiter";

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
  const { limits, failureMode, mode, cache, connection } = resolveGroupOptions(options);
  const context: GroupContext = {
    send: createMultiLimitCall(connection),
    report: createReporter({ ...connection, namespace: limits.map((l) => l.namespace).join(", ") }),
    counters: limiterCounters(),
  };
  const { counters, report } = context;
  // One memory per namespace: limits of one namespace share Unkey's counters, as at Unkey.
  const memories =
    cache === false
      ? undefined
      : new Map(limits.map((l) => [l.namespace, new RatelimitMemory(cache.max, cache.ttlMs)]));

  async function limit(checks: readonly GroupCheck[]): Promise<RatelimitGroupResponse> {
    counters.calls++;
    const bodies = bodiesOf(limits, checks);
    const known = memories === undefined ? undefined : knownOf(memories, bodies);
    try {
      if (known !== undefined) {
        const now = Date.now();
        const local =
          refusedHere(context, bodies, known, now) ??
          (mode === "async" ? admitGroupAsync(context, bodies, known, now) : undefined);
        if (local !== undefined) return local;
      }
      return await askGroup(context, bodies, known);
    } catch (error) {
      if (error instanceof KeyguardError && !(error instanceof VerifierError)) throw error;
      report(error);
      if (failureMode !== "open" || !isOutage(error)) throw error;
      counters.failedOpen++;
      return { success: true, source: "fail-open", limits: bodies.map((b) => openAnswer(b)) };
    }
  }

  return {
    limit,
    stats: () => ({
      ...counters,
      upstreamCalls: context.send.calls(),
      size: [...(memories?.values() ?? [])].reduce((sum, memory) => sum + memory.size, 0),
    }),
    clear: () => {
      for (const memory of memories?.values() ?? []) memory.clear();
    },
    limits,
  };
}

/** The group's options checked, each bad one named, at creation. */
function resolveGroupOptions(options: RatelimitGroupOptions) {
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
  return { limits, failureMode, mode, cache, connection };
}

/** The `ratelimit.multiLimit` call, on the verifier's transport. */
function createMultiLimitCall(connection: ResolvedConnection) {
  return createUnkeyCall<readonly LimitBody[], RatelimitGroupResponse>(connection, {
    operation: "ratelimit.multiLimit",
    parse: parseMultiLimitData,
    answer: "a multi-limit answer",
    noun: "multi-limit",
    right:
      "limit in these namespaces (ratelimit.*.limit, and ratelimit.*.create_namespace to create them)",
    requestHint: "Check the limits' namespaces, limits, durations and costs.",
    traceFields: (answer) => ({ success: answer.success, requestId: answer.requestId }),
  });
}

/** One body per limit, in the group's order, from the call's checks. */
function bodiesOf(limits: readonly GroupLimit[], checks: readonly GroupCheck[]): LimitBody[] {
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
