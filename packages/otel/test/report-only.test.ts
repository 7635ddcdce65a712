import { createGuard } from "@keyguard/core/adapter";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { instrumentKeyguard } from "../src/index";

// The real OpenTelemetry SDK's metrics; the real core against the emulator.
let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: { permissions: ["docs.read", "docs.write"] } });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "otel-ro" }));
});
afterAll(() => emulator?.stop());

let disable: (() => void) | undefined;
afterEach(() => {
  disable?.();
  disable = undefined;
});

const keyIds = new Map<string, string>();
async function newKey(body: Record<string, unknown>): Promise<string> {
  const created = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
    apiId,
    ...body,
  });
  keyIds.set(created.key, created.keyId);
  return created.key;
}

function meter() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const points = async (name: string) => {
    const collected = await reader.collect();
    const metric = collected.resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
  };
  return { meterProvider, points };
}

describe("keyguard.report_only with the real OpenTelemetry SDK", () => {
  it("counts would-refuse and would-allow by reason and route, and credits a cost would charge", async () => {
    const { meterProvider, points } = meter();
    ({ disable } = instrumentKeyguard({ meterProvider }));
    const guard = createGuard({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    const strict = guard.route({ reportOnly: { permissions: "docs.write" } });
    const priced = guard.route({ reportOnly: { cost: 4 } });
    const reader = await newKey({ permissions: ["docs.read"] });
    const writer = await newKey({ permissions: ["docs.read", "docs.write"] });
    const poor = await newKey({ credits: { remaining: 3 } });
    const rich = await newKey({ credits: { remaining: 50 } });
    const check = (key: string, route: typeof strict, path: string) =>
      guard.check({ headers: { authorization: `Bearer ${key}` }, route: path }, route);
    for (const [key, route, path] of [
      [reader, strict, "/docs"],
      [reader, strict, "/docs"],
      [writer, strict, "/docs"],
      [poor, priced, "/search"],
      [rich, priced, "/search"],
      [rich, priced, "/search"],
    ] as const) {
      // Never changed: every one of these requests is let in, as the route alone decides.
      expect((await check(key, route, path)).allowed).toBe(true);
    }
    expect(await points("keyguard.report_only")).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            "keyguard.outcome": "would_refuse",
            "keyguard.reason": "INSUFFICIENT_PERMISSIONS",
            "http.route": "/docs",
          },
          value: 2,
        },
        { attributes: { "keyguard.outcome": "would_allow", "http.route": "/docs" }, value: 1 },
        {
          attributes: {
            "keyguard.outcome": "would_refuse",
            "keyguard.reason": "USAGE_EXCEEDED",
            "http.route": "/search",
          },
          value: 1,
        },
        { attributes: { "keyguard.outcome": "would_allow", "http.route": "/search" }, value: 2 },
      ]),
    );
    expect(await points("keyguard.report_only")).toHaveLength(4);
    expect(await points("keyguard.report_only.credits")).toEqual([
      { attributes: { "keyguard.outcome": "would_allow", "http.route": "/search" }, value: 8 },
    ]);
    // Never charged: the rich key paid Unkey's default 1 per verification, not the candidate's 4.
    const { credits } = await emulator.call<{ credits: { remaining: number } }>("keys.getKey", {
      keyId: keyIds.get(rich),
    });
    expect(credits.remaining).toBe(48);
  });
});
