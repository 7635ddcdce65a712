// Section 8, telemetry (issue 16): what keyguard's diagnostics channels cost per
// cached request, with nobody listening, with a `keyguard:decision` subscriber and
// with @keyguard/otel on the OpenTelemetry SDK: server CPU per request (Hono), and
// ns per cached guard decision in-process (req/s noise hides sub-µs differences).
import { randomBytes } from "node:crypto";
import os from "node:os";
import { cachedCheckCosts } from "./telemetry-micro.mjs";

export const id = 8;
export const title = "telemetry";

// Below this, a difference per cached decision is not measurable on this shared machine.
const NOISE_NS = 50;
const OTEL_GOAL_NS = 1000;

const LISTENERS = {
  none: "no subscriber",
  decision: "keyguard:decision subscriber (counts by code)",
  otel: "@keyguard/otel instrumentKeyguard, OpenTelemetry SDK (in-memory exporters)",
};

async function serverRows(ctx, emulator, key) {
  const options = { rootKey: emulator.rootKey, baseUrl: emulator.url };
  const kinds = ["none", "decision", "otel"];
  const configs = kinds.map((kind) => ({
    framework: "hono",
    guard: "keyguard",
    options,
    ...(kind !== "none" && { telemetry: kind }),
  }));
  const measured = await ctx.compare(configs, key);
  const base = measured[0].cpuPerRequest;
  for (const [i, kind] of kinds.entries()) {
    const m = measured[i];
    const delta = m.cpuPerRequest - base;
    const bad = m.non2xx || m.errors ? `; ${m.non2xx} non-2xx, ${m.errors} errors` : "";
    ctx.row({
      name: `hono guarded (warm cache), ${LISTENERS[kind]}`,
      rps: m.rps,
      p50: m.p50,
      p99: m.p99,
      cpuPerRequest: m.cpuPerRequest,
      result:
        i === 0
          ? `baseline (rounds ${m.rounds.join("/")} req/s${bad})`
          : `${delta >= 0 ? "+" : ""}${delta.toFixed(1)} µs server CPU per request vs no subscriber (rounds ${m.rounds.join("/")} req/s${bad})`,
      ...(kind === "otel" && {
        target: "≤ 1 µs per cached request",
        verdict: delta <= 1 ? "meets" : "UNDER",
      }),
    });
  }
}

const fmtNs = (ns) => `${Math.round(ns)} ns`;
const signed = (ns) => `${ns >= 0 ? "+" : ""}${Math.round(ns)} ns`;

function microRow(ctx, name, c, base, extra) {
  const delta = c.min - base.min;
  ctx.row({
    name: `in-process cached guard decision, ${name}`,
    result: `${fmtNs(c.min)} min / ${fmtNs(c.median)} median per decision; ${signed(delta)} (min) / ${signed(c.median - base.median)} (median) vs ${extra.versus}`,
    ...extra.goal(delta),
  });
}

async function microRows(ctx, emulator, key) {
  const n = ctx.smoke ? 5000 : 50_000;
  const rounds = ctx.smoke ? 2 : 15;
  const costs = await cachedCheckCosts({ emulator, key, n, rounds });
  const out = costs["compiled out"];
  const none = costs.none;
  const versus = (what) => ({ versus: what, goal: () => ({}) });
  microRow(ctx, "channel publishing compiled out (baseline)", out, out, versus("itself"));
  microRow(ctx, "no subscriber (shipped Node build)", none, out, {
    versus: "compiled out",
    goal: (delta) => ({
      target: `not measurable (Δ ≤ ${NOISE_NS} ns)`,
      verdict: delta <= NOISE_NS ? "meets" : "UNDER",
    }),
  });
  microRow(ctx, LISTENERS.decision, costs.decision, none, versus("no subscriber"));
  microRow(ctx, LISTENERS.otel, costs.otel, none, {
    versus: "no subscriber",
    goal: (delta) => ({
      target: "≤ 1 µs per cached request",
      verdict: delta <= OTEL_GOAL_NS ? "meets" : "UNDER",
    }),
  });
  return { n, rounds };
}

export async function run(ctx) {
  const loadBefore = os.loadavg();
  const key = `bench_telemetry_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(0, { apis: [{ name: "telemetry", keys: [{ key }] }] });
  let micro;
  try {
    await serverRows(ctx, emulator, key);
    micro = await microRows(ctx, emulator, key);
  } finally {
    await emulator.stop();
  }
  const load = (l) => l.map((x) => x.toFixed(2)).join(" / ");
  ctx.note(
    [
      `Section ${id} (telemetry): the server rows are the bench's usual interleaved rounds on a Hono server (one process each, the same warm key); the listeners are set up in the server process after the app (test/bench/telemetry-subscribers.mjs; server.mjs applies a config's \`telemetry\`). The OpenTelemetry configuration is a BasicTracerProvider with a batch span processor and a MeterProvider with a periodic reader (1 s), both on in-memory exporters; on a cached request only the decision metrics run (spans are per upstream call).`,
      `The in-process rows time \`guard.check()\` (what every adapter calls per request) on a cached key, ${micro.n.toLocaleString("en-US")} synchronous decisions per round, ${micro.rounds} interleaved rounds after one warm-up round; the baseline is the core built from source with the Node variants except telemetry (esbuild, test/bench/sections/core-without-channels.mjs), i.e. without any channel code. Other tenants of this machine only ever add time, so the verdicts use each configuration's fastest round (min); medians are shown too. Load average before the section: ${load(loadBefore)}; after: ${load(os.loadavg())}.`,
    ].join(" "),
  );
}
