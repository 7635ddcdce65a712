import * as diagnostics from "node:diagnostics_channel";
import {
  context,
  type Meter,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from "@opentelemetry/api";

/** The `keyguard:unkey` tracing context as the core fills it. */
interface UpstreamCall {
  readonly operation?: string;
  readonly url?: string;
  status?: number;
  /** `keys.verifyKey`'s answer code. */
  code?: string;
  /** `ratelimit.limit`'s answer: admitted or not. */
  success?: boolean;
  requestId?: string;
  error?: { readonly status?: number; readonly code?: string; readonly message?: string };
}

// HTTP client span attributes (OpenTelemetry semantic conventions, stable HTTP).
function startAttributes(call: UpstreamCall) {
  const url = call.url ? new URL(call.url) : undefined;
  const port = url?.port ? Number(url.port) : url?.protocol === "https:" ? 443 : 80;
  return {
    "http.request.method": "POST",
    "url.full": call.url,
    "server.address": url?.hostname,
    "server.port": url ? port : undefined,
    "keyguard.operation": call.operation,
  };
}

/**
 * What the call came to: the failure's code, `keys.verifyKey`'s answer code, or
 * for `ratelimit.limit` (which answers `success`, no code) `ALLOWED` or
 * `RATE_LIMITED`, the latter being the code keyguard denies with.
 */
function outcomeOf(call: UpstreamCall): string {
  if (call.error) return call.error.code ?? "ERROR";
  if (call.code !== undefined) return call.code;
  if (call.success !== undefined) return call.success ? "ALLOWED" : "RATE_LIMITED";
  return "UNKNOWN";
}

/**
 * A span and a duration per upstream call, from the `keyguard:unkey` tracing channel.
 *
 * One duration instrument for every operation, told apart by `keyguard.operation`
 * (as OpenTelemetry's `http.client.request.duration` tells methods and routes apart
 * by attribute): the calls share a transport, a timeout and a unit, so their
 * latencies sum and compare meaningfully, and a new operation needs no new metric.
 */
export function subscribeUpstream(tracer: Tracer, meter: Meter): () => void {
  const duration = meter.createHistogram("keyguard.unkey.duration", {
    description:
      "Duration of upstream Unkey calls (keys.verifyKey, ratelimit.limit), by operation and outcome.",
    unit: "ms",
  });
  const open = new WeakMap<object, { span: Span; start: number }>();
  const handlers = {
    start(raw: unknown) {
      const call = raw as UpstreamCall;
      // `start` runs in the caller's async context: the active span (the request's) is the parent.
      const span = tracer.startSpan(
        "POST",
        { kind: SpanKind.CLIENT, attributes: startAttributes(call) },
        context.active(),
      );
      open.set(call, { span, start: performance.now() });
    },
    error(raw: unknown) {
      const call = raw as UpstreamCall;
      const entry = open.get(call);
      if (!entry || !call.error) return;
      entry.span.setStatus({ code: SpanStatusCode.ERROR, message: call.error.message });
      entry.span.setAttribute("error.type", call.error.code ?? "Error");
      if (call.error.status !== undefined)
        entry.span.setAttribute("http.response.status_code", call.error.status);
    },
    asyncEnd(raw: unknown) {
      const call = raw as UpstreamCall;
      const entry = open.get(call);
      if (!entry) return;
      open.delete(call);
      if (call.status !== undefined)
        entry.span.setAttribute("http.response.status_code", call.status);
      const outcome = outcomeOf(call);
      if (!call.error && outcome !== "UNKNOWN") entry.span.setAttribute("keyguard.code", outcome);
      if (call.requestId !== undefined)
        entry.span.setAttribute("keyguard.request_id", call.requestId);
      entry.span.end();
      duration.record(performance.now() - entry.start, {
        "keyguard.operation": call.operation ?? "unknown",
        "keyguard.code": outcome,
      });
    },
    end() {},
    asyncStart() {},
  };
  const channel = diagnostics.tracingChannel("keyguard:unkey");
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
