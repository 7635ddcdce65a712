import { type MeterProvider, metrics, type TracerProvider, trace } from "@opentelemetry/api";
import { subscribeDecisions } from "./decision-metrics";
import { subscribeReportOnly } from "./report-only-metrics";
import { subscribeUpstream } from "./upstream-spans";

/** Anything with a verifier's `stats()`: its cache size is reported as a gauge. */
export interface StatsSource {
  stats(): { readonly size: number };
}

/** Options of {@link instrumentKeyguard}. */
export interface InstrumentKeyguardOptions {
  /**
   * Where spans go.
   * @default the global tracer provider (`trace.getTracerProvider()`)
   */
  tracerProvider?: TracerProvider | undefined;
  /**
   * Where metrics go.
   * @default the global meter provider (`metrics.getMeterProvider()`)
   */
  meterProvider?: MeterProvider | undefined;
  /**
   * Verifiers whose cache size `keyguard.cache.size` reports (e.g. `auth.verifier`).
   * @default [] (no size gauge)
   */
  verifiers?: readonly StatsSource[] | undefined;
}

/** What {@link instrumentKeyguard} returns: a way to stop. */
export interface KeyguardInstrumentation {
  /** Unsubscribes from keyguard's channels and stops reporting. */
  disable(): void;
}

const SCOPE = "@keyguard/otel";

/**
 * Turns keyguard's `node:diagnostics_channel` messages into OpenTelemetry:
 * a client span per upstream call (`keys.verifyKey`, `ratelimit.limit`: a child of
 * the active span, with HTTP client attributes, `keyguard.operation` and
 * `keyguard.code`), and metrics — `keyguard.decisions` (by `code`, `source`,
 * `allowed`), `keyguard.unkey.duration` (ms, by `operation` and `code`),
 * `keyguard.cache.hits` / `keyguard.cache.misses`, and
 * `keyguard.cache.size` for the verifiers you pass, and what routes' `reportOnly` rules
 * would have done: `keyguard.report_only` (by `keyguard.outcome`, `keyguard.reason`,
 * `http.route`) and `keyguard.report_only.credits`. Never a key, nor its hash.
 *
 * @example
 * ```ts
 * import { instrumentKeyguard } from "@keyguard/otel";
 *
 * const auth = unkey();
 * const instrumentation = instrumentKeyguard({ verifiers: [auth.verifier] });
 * // on shutdown: instrumentation.disable();
 * ```
 */
export function instrumentKeyguard(
  options: InstrumentKeyguardOptions = {},
): KeyguardInstrumentation {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const stops = [
    subscribeUpstream(tracer, meter),
    subscribeDecisions(meter),
    subscribeReportOnly(meter),
  ];
  const verifiers = options.verifiers ?? [];
  if (verifiers.length > 0) {
    const size = meter.createObservableGauge("keyguard.cache.size", {
      description: "Entries in keyguard's in-process cache.",
    });
    const observe = (result: { observe(value: number): void }) => {
      for (const verifier of verifiers) result.observe(verifier.stats().size);
    };
    size.addCallback(observe);
    stops.push(() => size.removeCallback(observe));
  }
  let disabled = false;
  return {
    disable() {
      if (disabled) return;
      disabled = true;
      for (const stop of stops) stop();
    },
  };
}
