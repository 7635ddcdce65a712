import { createRatelimiter, createVerifier } from "@keyguard/core";
import { addressGroup, createGuard } from "@keyguard/core/adapter";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { instrumentKeyguard } from "../src/index";

// The real OpenTelemetry SDK with in-memory exporters; the real core against the emulator.
let emulator: Emulator;
let key: string;
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "otel" });
  ({ key } = await emulator.call<{ key: string }>("keys.createKey", { apiId, name: "otel" }));
});
afterAll(() => emulator?.stop());

function sdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const metricsNow = async () => {
    const collected = await reader.collect();
    return collected.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  return { spans, tracerProvider, meterProvider, metricsNow };
}

let disable: (() => void) | undefined;
afterEach(() => {
  disable?.();
  disable = undefined;
});

describe("instrumentKeyguard with the real OpenTelemetry SDK", () => {
  it("a client span per upstream call, a child of the active span, with HTTP attributes", async () => {
    const { spans, tracerProvider, meterProvider } = sdk();
    ({ disable } = instrumentKeyguard({ tracerProvider, meterProvider }));
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    const parent = tracerProvider.getTracer("app").startSpan("GET /docs");
    await context.with(trace.setSpan(context.active(), parent), () => verifier.verify(key));
    await verifier.verify(key); // served from the cache: no upstream span
    parent.end();
    const upstream = spans.getFinishedSpans().filter((span) => span.name === "POST");
    expect(upstream).toHaveLength(1);
    const [span] = upstream;
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.attributes).toMatchObject({
      "http.request.method": "POST",
      "url.full": `${emulator.url}/v2/keys.verifyKey`,
      "server.address": "127.0.0.1",
      "http.response.status_code": 200,
      "keyguard.code": "VALID",
    });
    expect(JSON.stringify(span?.attributes)).not.toContain(key);
  });

  it("an upstream failure is an error span with the VerifierError's code and status", async () => {
    const { spans, tracerProvider, meterProvider } = sdk();
    ({ disable } = instrumentKeyguard({ tracerProvider, meterProvider }));
    emulator.setFault({ status: 503 });
    try {
      const verifier = createVerifier({
        rootKey: emulator.rootKey,
        baseUrl: emulator.url,
        logger: { warn() {}, error() {} },
      });
      await expect(verifier.verify(key)).rejects.toThrow();
    } finally {
      emulator.setFault(null);
    }
    const [span] = spans.getFinishedSpans();
    expect(span?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(span?.attributes).toMatchObject({
      "error.type": "VERIFIER_UNAVAILABLE",
      "http.response.status_code": 503,
    });
  });

  it("counts decisions by code, source and outcome, cache hits and misses, size and duration", async () => {
    const { tracerProvider, meterProvider, metricsNow } = sdk();
    const guard = createGuard({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    ({ disable } = instrumentKeyguard({
      tracerProvider,
      meterProvider,
      verifiers: [guard.verifier],
    }));
    const headers = { authorization: `Bearer ${key}` };
    await guard.check({ headers });
    await guard.check({ headers });
    await guard.check({ headers: {} });
    const collected = await metricsNow();
    const byName = (name: string) => collected.find((m) => m.descriptor.name === name);
    const points = (name: string) =>
      (byName(name)?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
    expect(points("keyguard.decisions")).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            "keyguard.code": "VALID",
            "keyguard.source": "upstream",
            "keyguard.allowed": true,
          },
          value: 1,
        },
        {
          attributes: {
            "keyguard.code": "VALID",
            "keyguard.source": "cache",
            "keyguard.allowed": true,
          },
          value: 1,
        },
        {
          attributes: {
            "keyguard.code": "MISSING_KEY",
            "keyguard.source": "local",
            "keyguard.allowed": false,
          },
          value: 1,
        },
      ]),
    );
    expect(points("keyguard.cache.hits")[0]?.value).toBe(1);
    expect(points("keyguard.cache.misses")[0]?.value).toBe(1);
    expect(points("keyguard.cache.size")[0]?.value).toBe(1);
    const histogram = byName("keyguard.unkey.duration")?.dataPoints[0]?.value as { count: number };
    expect(histogram.count).toBe(1);
  });

  it("counts the requests the failureBudget refused (keyguard.failure_budget.refusals)", async () => {
    const { meterProvider, metricsNow } = sdk();
    ({ disable } = instrumentKeyguard({ meterProvider }));
    const guard = createGuard(
      {
        rootKey: emulator.rootKey,
        baseUrl: emulator.url,
        failureBudget: { limit: 1, windowMs: 60_000 },
      },
      undefined,
      { addressGroup },
    );
    const request = (n: number) => ({
      headers: { "x-api-key": `sk_unknown_otel_${n}` },
      address: "198.51.100.20",
    });
    expect(await guard.check(request(1))).toMatchObject({ status: 401 });
    expect(await guard.check(request(2))).toMatchObject({ status: 429 });
    expect(await guard.check(request(3))).toMatchObject({ status: 429 });
    const collected = await metricsNow();
    const refusals = collected.find(
      (m) => m.descriptor.name === "keyguard.failure_budget.refusals",
    );
    expect(refusals?.dataPoints[0]?.value).toBe(2);
  });

  it("records ratelimit.limit calls under their operation with the rate-limit outcome, never as a verification of code UNKNOWN", async () => {
    const { spans, tracerProvider, meterProvider, metricsNow } = sdk();
    ({ disable } = instrumentKeyguard({ tracerProvider, meterProvider }));
    const verifier = createVerifier({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    // No local memory: both calls reach the emulator, the second over the limit.
    const limiter = createRatelimiter({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace: "otel.login",
      limit: 1,
      duration: 60_000,
      cache: false,
    });
    await verifier.verify(key);
    expect((await limiter.limit("ip:1")).success).toBe(true);
    expect((await limiter.limit("ip:1")).success).toBe(false);
    const collected = await metricsNow();
    const histogram = collected.find((m) => m.descriptor.name === "keyguard.unkey.duration");
    const counts = (histogram?.dataPoints ?? []).map((p) => ({
      attributes: p.attributes,
      count: (p.value as { count: number }).count,
    }));
    expect(counts).toHaveLength(3);
    expect(counts).toEqual(
      expect.arrayContaining([
        {
          attributes: { "keyguard.operation": "keys.verifyKey", "keyguard.code": "VALID" },
          count: 1,
        },
        {
          attributes: { "keyguard.operation": "ratelimit.limit", "keyguard.code": "ALLOWED" },
          count: 1,
        },
        {
          attributes: { "keyguard.operation": "ratelimit.limit", "keyguard.code": "RATE_LIMITED" },
          count: 1,
        },
      ]),
    );
    const limitSpans = spans
      .getFinishedSpans()
      .filter((span) => span.attributes["keyguard.operation"] === "ratelimit.limit");
    expect(limitSpans.map((span) => span.attributes["keyguard.code"])).toEqual([
      "ALLOWED",
      "RATE_LIMITED",
    ]);
  });

  it("keeps counting across collections (cumulative, as a counter)", async () => {
    const { tracerProvider, meterProvider, metricsNow } = sdk();
    const guard = createGuard({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    ({ disable } = instrumentKeyguard({ tracerProvider, meterProvider }));
    const headers = { authorization: `Bearer ${key}` };
    const hits = async () =>
      (await metricsNow()).find((m) => m.descriptor.name === "keyguard.cache.hits")?.dataPoints[0]
        ?.value;
    await guard.check({ headers });
    await guard.check({ headers });
    expect(await hits()).toBe(1);
    await guard.check({ headers });
    await guard.check({ headers });
    expect(await hits()).toBe(3);
  });

  it("disable() stops every report", async () => {
    const { spans, tracerProvider, meterProvider } = sdk();
    const instrumentation = instrumentKeyguard({ tracerProvider, meterProvider });
    instrumentation.disable();
    const verifier = createVerifier({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      cache: false,
    });
    await verifier.verify(key);
    expect(spans.getFinishedSpans()).toHaveLength(0);
  });
});
