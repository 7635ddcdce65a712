import * as diagnostics from "node:diagnostics_channel";
import type { Attributes, Meter, ObservableResult } from "@opentelemetry/api";

/** The fields of a `keyguard:decision` message this package reads. */
interface DecisionMessage {
  readonly allowed: boolean;
  readonly code: string;
  readonly source: string;
}

/** The core's denial code for a request refused by the guard's `failureBudget`. */
const FAILURE_BUDGET_EXCEEDED = "FAILURE_BUDGET_EXCEEDED";

/** Decisions so far of one (code, source, allowed): few, as codes and sources are fixed sets. */
interface Tally {
  readonly attributes: Attributes;
  count: number;
}

/**
 * Counts decisions (by code, source, allowed) and cache hits and misses; returns a stop.
 * The counts are kept here and handed to the SDK when it collects (observable
 * counters, monotonic sums like any counter): an SDK `Counter.add` with attributes
 * hashes them on every call, microseconds per cached request, where this is a map update.
 */
export function subscribeDecisions(meter: Meter): () => void {
  // code → source → [denied, allowed]: lookups by the core's own (interned) strings, no key built.
  const tallies = new Map<string, Map<string, (Tally | undefined)[]>>();
  const cache = { hits: 0, misses: 0 };
  let budgetRefusals = 0;
  const tallyOf = (message: DecisionMessage): Tally => {
    let bySource = tallies.get(message.code);
    if (bySource === undefined) {
      bySource = new Map();
      tallies.set(message.code, bySource);
    }
    let pair = bySource.get(message.source);
    if (pair === undefined) {
      pair = [undefined, undefined];
      bySource.set(message.source, pair);
    }
    const slot = message.allowed ? 1 : 0;
    pair[slot] ??= {
      attributes: {
        "keyguard.code": message.code,
        "keyguard.source": message.source,
        "keyguard.allowed": message.allowed,
      },
      count: 0,
    };
    return pair[slot];
  };
  const onDecision = (raw: unknown) => {
    const message = raw as DecisionMessage;
    tallyOf(message).count++;
    if (message.source === "cache") cache.hits++;
    else if (message.source === "upstream") cache.misses++;
    if (message.code === FAILURE_BUDGET_EXCEEDED) budgetRefusals++;
  };
  const instruments = [
    observe(
      meter,
      "keyguard.decisions",
      "Guarded requests, by decision code, source and outcome.",
      (result) => {
        for (const bySource of tallies.values())
          for (const pair of bySource.values())
            for (const tally of pair)
              if (tally !== undefined) result.observe(tally.count, tally.attributes);
      },
    ),
    observe(meter, "keyguard.cache.hits", "Decisions answered from keyguard's cache.", (result) =>
      result.observe(cache.hits),
    ),
    observe(
      meter,
      "keyguard.cache.misses",
      "Decisions that needed an upstream verification.",
      (result) => result.observe(cache.misses),
    ),
    observe(
      meter,
      "keyguard.failure_budget.refusals",
      "Requests answered 429 because their client address spent its failureBudget.",
      (result) => result.observe(budgetRefusals),
    ),
  ];
  diagnostics.subscribe("keyguard:decision", onDecision);
  return () => {
    diagnostics.unsubscribe("keyguard:decision", onDecision);
    for (const stop of instruments) stop();
  };
}

/** An observable counter reporting `report` at each collection; returns its stop. */
export function observe(
  meter: Meter,
  name: string,
  description: string,
  report: (result: ObservableResult) => void,
): () => void {
  const counter = meter.createObservableCounter(name, { description });
  counter.addCallback(report);
  return () => counter.removeCallback(report);
}
