import type { Telemetry } from "./telemetry";

/**
 * Outside Node there is no `node:diagnostics_channel` to publish on: nothing is
 * measured or sent. The Node build swaps this module for ./node (tsup.config.ts).
 */
export const telemetry: Telemetry = {
  decisionsWanted: () => false,
  publishDecision() {},
  traceUpstream: (context, run) => run(context),
};

/** Whether this build publishes on diagnostics_channel. */
export const PUBLISHES = false;
