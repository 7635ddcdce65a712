import type { ResultSource } from "../types";
import type { ReportOnlyMessage } from "./report-only-message";

/**
 * Where a decision's answer came from, as the `keyguard:decision` channel reports it: the
 * words of `KeyContext.source` (`"upstream"`, `"cache"`, `"stale"`, `"fail-open"`), and
 * `"local"` for what never needed Unkey (no key, a malformed one, a CORS preflight). A
 * verifier failure is `"upstream"`: the call to Unkey is what failed.
 */
export type DecisionSource = ResultSource | "fail-open";

/**
 * One guarded request's decision, published on `keyguard:decision`. Never the
 * key, never its hash.
 */
export interface DecisionMessage {
  readonly allowed: boolean;
  /** 200 when allowed, else the denial's status. */
  readonly status: number;
  /** `VALID`, `PREFLIGHT`, or the denial's code. */
  readonly code: string;
  readonly source: DecisionSource;
  readonly keyId?: string | undefined;
  /** The route, when the adapter knows its pattern (e.g. Fastify's `/docs/:id`). */
  readonly route?: string | undefined;
  /** From the guard's start to its decision, in ms. */
  readonly durationMs: number;
  /**
   * What the route's `reportOnly` rules would have done (would refuse, would charge), on a
   * request it let in; absent when the route has none. Never enforced, never charged.
   */
  readonly reportOnly?: ReportOnlyMessage | undefined;
}

/** What the guard and the transport publish through; a no-op outside Node. */
export interface Telemetry {
  /** Whether anyone listens for decisions: checked before anything is measured. */
  decisionsWanted(): boolean;
  publishDecision(message: DecisionMessage): void;
  /**
   * Runs an upstream call inside the `keyguard:unkey` tracing channel (start,
   * asyncEnd with `status`/`code`/`requestId`, error with the `VerifierError`)
   * when anyone listens; otherwise just runs it.
   */
  traceUpstream<T>(
    context: Record<string, unknown>,
    run: (context: Record<string, unknown>) => Promise<T>,
  ): Promise<T>;
}
