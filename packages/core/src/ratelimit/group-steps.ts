import { VerifierError } from "../errors";
import type { UnkeyCall } from "../transport/unkey-call";
import type { Known, LimitBody, LimiterCounters } from "./limiter-steps";
import type { RatelimitGroupResponse } from "./ratelimit-group-response";
import type { IdentifierMemory, RatelimitMemory } from "./ratelimit-memory";
import type { RatelimitResponse } from "./ratelimit-response";

/** What the steps of one rate-limit group share: its Unkey call, its reporter, its counters. */
export interface GroupContext {
  readonly send: UnkeyCall<readonly LimitBody[], RatelimitGroupResponse>;
  readonly report: (error: unknown) => void;
  readonly counters: LimiterCounters;
}

/**
 * What the memory holds for each limit of a call; `undefined` (ask Unkey, learn nothing) when
 * two limits of the call draw on one of Unkey's counters: Unkey then counts the earlier one's
 * cost in the later one (ratelimit.go, RatelimitMany), which one answer cannot untangle.
 */
export function knownOf(
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

/** One limit's answer under `failureMode: "open"` during an outage. */
export const openAnswer = (body: LimitBody): RatelimitResponse => ({
  success: true,
  limit: body.limit,
  remaining: body.limit,
  reset: 0,
  source: "fail-open",
});

/** A refusal here when Unkey provably refuses one of the limits (then none is counted). */
export function refusedHere(
  context: GroupContext,
  bodies: readonly LimitBody[],
  known: readonly Known[],
  now: number,
): RatelimitGroupResponse | undefined {
  const answers = bodies.map((body, i) => localAnswer(body, known[i] as Known, now, "local"));
  if (answers.every((answer) => answer.success)) return undefined;
  context.counters.refusedLocally++;
  return { success: false, source: "local", limits: answers };
}

/** Async mode: admit now when every limit provably has room, and tell Unkey in the background. */
export function admitGroupAsync(
  context: GroupContext,
  bodies: readonly LimitBody[],
  known: readonly Known[],
  now: number,
): RatelimitGroupResponse | undefined {
  const room = bodies.map((body, i) => {
    const { identifier, counter } = known[i] as Known;
    return counter.available(identifier.applied(body.limit), now) - body.cost;
  });
  if (room.some((left) => left < 0)) return undefined;
  context.counters.admittedAsync++;
  askGroup(context, bodies, known).catch((error: unknown) => {
    context.counters.asyncFailures++;
    // As the single limiter: after a failed call, every limit's next call waits for Unkey.
    for (const { counter } of known) counter.forget();
    context.report(error);
  });
  const answers = bodies.map((body, i) => ({
    ...localAnswer(body, known[i] as Known, now, "async"),
    remaining: room[i] as number,
  }));
  return { success: true, source: "async", limits: answers };
}

/** One multiLimit call; what it shows goes to each limit's memory. */
export async function askGroup(
  context: GroupContext,
  bodies: readonly LimitBody[],
  known: readonly Known[] | undefined,
): Promise<RatelimitGroupResponse> {
  const sentAt = Date.now();
  for (const [i, body] of bodies.entries())
    if (known) (known[i] as Known).counter.inflight += body.cost;
  let answer: RatelimitGroupResponse | undefined;
  try {
    const got = await context.send(bodies);
    if (got.limits.length !== bodies.length)
      throw new VerifierError(
        "VERIFIER_UNAVAILABLE",
        "Unkey answered a multi-limit call with another number of limits than it was sent.",
      );
    answer = got;
    return got;
  } finally {
    settleGroup(bodies, known, sentAt, answer);
  }
}

/** What a multiLimit answer (or its failure) leaves in each limit's memory. */
function settleGroup(
  bodies: readonly LimitBody[],
  known: readonly Known[] | undefined,
  sentAt: number,
  answer: RatelimitGroupResponse | undefined,
): void {
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
