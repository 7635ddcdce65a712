import type { UnkeyCall } from "../transport/unkey-call";
import type { FailureMode } from "../types";
import { isOutage } from "./ratelimit-failure";
import type { CounterMemory, IdentifierMemory } from "./ratelimit-memory";
import type { RatelimitResponse } from "./ratelimit-response";

/** What the memory holds for one call: its identifier's memory and the counter it draws on. */
export interface Known {
  readonly identifier: IdentifierMemory;
  readonly counter: CounterMemory;
}

/** The body of `POST /v2/ratelimit.limit` (and one limit of `ratelimit.multiLimit`). */
export interface LimitBody {
  readonly namespace: string;
  readonly identifier: string;
  readonly limit: number;
  readonly duration: number;
  readonly cost: number;
}

/** The counts of a rate limiter's (or a group's) `stats()` besides Unkey calls and memory size. */
export interface LimiterCounters {
  calls: number;
  refusedLocally: number;
  coalesced: number;
  admittedAsync: number;
  asyncFailures: number;
  failedOpen: number;
}

/** Counters at zero. */
export const limiterCounters = (): LimiterCounters => ({
  calls: 0,
  refusedLocally: 0,
  coalesced: 0,
  admittedAsync: 0,
  asyncFailures: 0,
  failedOpen: 0,
});

/** What the steps of one rate limiter share: its Unkey call, its reporter, its counters. */
export interface LimiterContext {
  readonly send: UnkeyCall<LimitBody, RatelimitResponse>;
  readonly report: (error: unknown) => void;
  readonly counters: LimiterCounters;
  readonly failureMode: FailureMode;
}

/** One call to Unkey; what it learns goes to the identifier's memory, its cost is out on `counter` until then. */
export async function askUnkey(
  context: LimiterContext,
  body: LimitBody,
  known?: Known,
): Promise<RatelimitResponse> {
  if (known === undefined) return context.send(body);
  const { identifier, counter } = known;
  const sentAt = Date.now();
  counter.inflight += body.cost;
  try {
    const answer = await context.send(body);
    identifier.learn(body.duration, body.cost, sentAt, answer);
    counter.settle(body.cost);
    return answer;
  } catch (error) {
    counter.settle(body.cost, error);
    throw error;
  }
}

/** The local refusal: what Unkey would answer now, its applied limit and override included. */
function blocked(
  context: LimiterContext,
  known: Known,
  limit: number,
  now: number,
): RatelimitResponse {
  context.counters.refusedLocally++;
  return {
    success: false,
    limit,
    remaining: 0,
    reset: known.counter.windowEnd(now),
    source: "local",
    overrideId: known.identifier.override?.id,
  };
}

/**
 * Sync mode: what Unkey provably refuses is refused here; a call the estimate cannot
 * cover while another is out waits for that one (its answer may prove a refusal, or
 * leave room), so a flood of one identifier sends one call at a time once it nears its
 * limit. Every admission is Unkey's own answer.
 */
export async function decideSync(
  context: LimiterContext,
  body: LimitBody,
  known: Known,
): Promise<RatelimitResponse> {
  for (;;) {
    const now = Date.now();
    const counter = known.identifier.counter(body.duration);
    const limit = known.identifier.applied(body.limit);
    const here = { identifier: known.identifier, counter };
    if (counter.blocks(limit, body.cost, now)) return blocked(context, here, limit, now);
    if (counter.inflight > 0 && counter.available(limit, now) < body.cost) {
      context.counters.coalesced++;
      const settled = await counter.nextSettlement();
      // The call waited on failed: so does this one (an outage is not retried in a queue).
      if (settled.error !== undefined) throw settled.error;
      continue;
    }
    return askUnkey(context, body, here);
  }
}

/** Async mode: admit now when Unkey provably would (its applied limit), and tell it in the background. */
export function admitAsync(
  context: LimiterContext,
  body: LimitBody,
  known: Known,
): RatelimitResponse | undefined {
  const now = Date.now();
  const { identifier, counter } = known;
  const limit = identifier.applied(body.limit);
  const room = counter.available(limit, now);
  if (counter.blocks(limit, body.cost, now) || room < body.cost) return undefined;
  context.counters.admittedAsync++;
  askUnkey(context, body, known).catch((error: unknown) => {
    context.counters.asyncFailures++;
    // The next call waits for Unkey, as in sync mode: a failed call proves no room (a ban
    // override of limit 0 answers 500), so async admissions stop until Unkey answers again.
    counter.forget();
    context.report(error);
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

/** `failureMode: "open"`: an outage lets the call through, flagged; anything else is thrown. */
export function failOpen(
  context: LimiterContext,
  body: LimitBody,
  error: unknown,
): RatelimitResponse {
  context.report(error);
  if (context.failureMode !== "open" || !isOutage(error)) throw error;
  context.counters.failedOpen++;
  return {
    success: true,
    limit: body.limit,
    remaining: body.limit,
    reset: 0,
    source: "fail-open",
  };
}
