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
  code?: string;
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

/** A span and a duration per upstream call, from the `keyguard:unkey` tracing channel. */
export function subscribeUpstream(tracer: Tracer, meter: Meter): () => void {
  const duration = meter.createHistogram("keyguard.unkey.duration", {
    description: "Duration of upstream keys.verifyKey calls.",
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
      if (call.code !== undefined) entry.span.setAttribute("keyguard.code", call.code);
      if (call.requestId !== undefined)
        entry.span.setAttribute("keyguard.request_id", call.requestId);
      entry.span.end();
      const outcome = call.error ? (call.error.code ?? "ERROR") : (call.code ?? "UNKNOWN");
      duration.record(performance.now() - entry.start, { "keyguard.code": outcome });
    },
    end() {},
    asyncStart() {},
  };
  const channel = diagnostics.tracingChannel("keyguard:unkey");
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
