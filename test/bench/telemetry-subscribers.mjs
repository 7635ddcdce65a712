// What listens on keyguard's diagnostics channels in the telemetry section's
// configurations (server.mjs applies it when a config has `telemetry`; the
// in-process micro-measurement too):
// - "decision": a `keyguard:decision` subscriber that counts decisions by code
//   (an audit log without its I/O);
// - "otel": `@keyguard/otel`'s instrumentKeyguard on the real OpenTelemetry SDK,
//   a BasicTracerProvider (batch processor, in-memory exporter) and a MeterProvider
//   (periodic reader every second, in-memory exporter).
import * as diagnostics from "node:diagnostics_channel";

function decisionCounter() {
  const counts = new Map();
  const onDecision = (message) => counts.set(message.code, (counts.get(message.code) ?? 0) + 1);
  diagnostics.subscribe("keyguard:decision", onDecision);
  return { counts, stop: async () => diagnostics.unsubscribe("keyguard:decision", onDecision) };
}

async function openTelemetry(verifiers) {
  const { instrumentKeyguard } = await import("@keyguard/otel");
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } = await import(
    "@opentelemetry/sdk-trace-base"
  );
  const {
    AggregationTemporality,
    InMemoryMetricExporter,
    MeterProvider,
    PeriodicExportingMetricReader,
  } = await import("@opentelemetry/sdk-metrics");
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(spans)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 1000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = instrumentKeyguard({ tracerProvider, meterProvider, verifiers });
  return {
    spans,
    metricExporter,
    async stop() {
      instrumentation.disable();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/** Starts listening the way `kind` says ("decision" | "otel"); resolves `{ stop() }`. */
export async function subscribe(kind, verifiers = []) {
  if (kind === "decision") return decisionCounter();
  if (kind === "otel") return openTelemetry(verifiers.filter(Boolean));
  throw new Error(`unknown telemetry configuration ${kind}`);
}
