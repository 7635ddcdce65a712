import * as diagnostics from "node:diagnostics_channel";
import type { Telemetry } from "./telemetry";

// The Node way (as undici and Fastify do): publish on diagnostics_channel, and let a
// separate package (@keyguard/otel) turn the messages into spans and metrics.
const decisions = diagnostics.channel("keyguard:decision");
const upstream = diagnostics.tracingChannel<Record<string, unknown>>("keyguard:unkey");

/** `node:diagnostics_channel` publishing; free when nobody subscribes (hasSubscribers). */
export const telemetry: Telemetry = {
  decisionsWanted: () => decisions.hasSubscribers,
  publishDecision: (message) => decisions.publish(message),
  traceUpstream: (context, run) =>
    (upstream as unknown as { hasSubscribers: boolean }).hasSubscribers
      ? upstream.tracePromise(() => run(context), context)
      : run(context),
};

/** Whether this build publishes on diagnostics_channel. */
export const PUBLISHES = true;
