import * as diagnostics from "node:diagnostics_channel";
import type { Meter } from "@opentelemetry/api";

/** The fields of a `keyguard:decision` message this package reads. */
interface DecisionMessage {
  readonly allowed: boolean;
  readonly code: string;
  readonly source: string;
}

/** Counts decisions (by code, source, allowed) and cache hits and misses; returns a stop. */
export function subscribeDecisions(meter: Meter): () => void {
  const decisions = meter.createCounter("keyguard.decisions", {
    description: "Guarded requests, by decision code, source and outcome.",
  });
  const hits = meter.createCounter("keyguard.cache.hits", {
    description: "Decisions answered from keyguard's cache.",
  });
  const misses = meter.createCounter("keyguard.cache.misses", {
    description: "Decisions that needed an upstream verification.",
  });
  const onDecision = (raw: unknown) => {
    const message = raw as DecisionMessage;
    decisions.add(1, {
      "keyguard.code": message.code,
      "keyguard.source": message.source,
      "keyguard.allowed": message.allowed,
    });
    if (message.source === "cache") hits.add(1);
    else if (message.source === "unkey") misses.add(1);
  };
  diagnostics.subscribe("keyguard:decision", onDecision);
  return () => diagnostics.unsubscribe("keyguard:decision", onDecision);
}
