import * as diagnostics from "node:diagnostics_channel";
import type { Attributes, Meter } from "@opentelemetry/api";
import { observe } from "./decision-metrics";

/** The fields of a `keyguard:decision` message's `reportOnly` member this package reads. */
interface ReportOnlyDecision {
  readonly route?: string | undefined;
  readonly reportOnly?: {
    readonly outcome: string;
    readonly reason?: string | undefined;
    readonly cost?: { readonly wouldCharge: number } | undefined;
  };
}

interface Tally {
  readonly attributes: Attributes;
  count: number;
}

function attributesOf(outcome: string, reason: string | undefined, route: string | undefined) {
  const attributes: Attributes = { "keyguard.outcome": outcome };
  if (reason !== undefined) attributes["keyguard.reason"] = reason;
  // OTel's HTTP semantic conventions name a route's pattern `http.route`.
  if (route !== undefined) attributes["http.route"] = route;
  return attributes;
}

/**
 * Counts what routes' `reportOnly` rules would have done: `keyguard.report_only` (requests,
 * by `keyguard.outcome` would_allow | would_refuse, `keyguard.reason` and `http.route`) and
 * `keyguard.report_only.credits` (credits a candidate cost would have charged, by
 * `http.route`). Messages without `reportOnly` cost one property read. Returns a stop.
 */
export function subscribeReportOnly(meter: Meter): () => void {
  const outcomes = new Map<string, Tally>();
  const credits = new Map<string, Tally>();
  const tally = (map: Map<string, Tally>, id: string, attributes: () => Attributes) => {
    let found = map.get(id);
    if (found === undefined) {
      found = { attributes: attributes(), count: 0 };
      map.set(id, found);
    }
    return found;
  };
  const onDecision = (raw: unknown) => {
    const { reportOnly, route } = raw as ReportOnlyDecision;
    if (reportOnly === undefined) return;
    const { outcome, reason } = reportOnly;
    const id = `${outcome}\u0000${reason ?? ""}\u0000${route ?? ""}`;
    tally(outcomes, id, () => attributesOf(outcome, reason, route)).count++;
    const charged = reportOnly.cost?.wouldCharge ?? 0;
    if (charged > 0)
      tally(credits, route ?? "", () => attributesOf(outcome, undefined, route)).count += charged;
  };
  const report =
    (map: Map<string, Tally>) =>
    (result: { observe(value: number, attributes: Attributes): void }) => {
      for (const { count, attributes } of map.values()) result.observe(count, attributes);
    };
  const instruments = [
    observe(
      meter,
      "keyguard.report_only",
      "Requests judged by a route's report-only rules, by what those rules would have done.",
      report(outcomes),
    ),
    observe(
      meter,
      "keyguard.report_only.credits",
      "Credits a route's report-only cost would have charged (never charged).",
      report(credits),
    ),
  ];
  diagnostics.subscribe("keyguard:decision", onDecision);
  return () => {
    diagnostics.unsubscribe("keyguard:decision", onDecision);
    for (const stop of instruments) stop();
  };
}
