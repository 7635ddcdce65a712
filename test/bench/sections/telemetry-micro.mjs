// ns per cached guard decision, in this process: the core's guard (what every
// adapter calls per request) answering from its cache, built without channel
// publishing at all, then built alike with it: nobody listening, a
// `keyguard:decision` subscriber, and @keyguard/otel on the OpenTelemetry SDK.
import { subscribe } from "../telemetry-subscribers.mjs";
import { importAdapter } from "./core-variants.mjs";

/** ns per `guard.check(request)` over n synchronous cached decisions. */
function timeChecks(guard, request, n) {
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (guard.check(request).allowed === true) allowed++;
  const ns = Number(process.hrtime.bigint() - started) / n;
  if (allowed !== n)
    throw new Error(`telemetry micro: ${n - allowed} of ${n} checks not a cached allow`);
  return ns;
}

async function warmGuard(createGuard, options, request) {
  const guard = createGuard(options);
  const first = await guard.check(request); // the one upstream call; cached from here on
  if (!first.allowed) throw new Error(`telemetry micro: the key was refused (${first.code})`);
  return guard;
}

/**
 * ns per check of each configuration in each of `rounds` interleaved rounds of `n`
 * checks (arrays by configuration, aligned by round); the listeners are started
 * before and stopped after each configuration's turn.
 */
export async function cachedCheckCosts({ emulator, key, n, rounds }) {
  const { createGuard: silentGuard } = await importAdapter({ channels: false });
  const { createGuard: nodeGuard } = await importAdapter({ channels: true });
  // A TTL longer than the run: every measured check is a cache hit.
  const options = { rootKey: emulator.rootKey, baseUrl: emulator.url, cache: { ttlMs: 3_600_000 } };
  const request = { headers: { authorization: `Bearer ${key}` }, method: "GET", route: "/hello" };
  const silent = await warmGuard(silentGuard, options, request);
  const node = await warmGuard(nodeGuard, options, request);
  const configs = [
    { name: "compiled out", guard: silent },
    { name: "none", guard: node },
    { name: "decision", guard: node, telemetry: "decision" },
    { name: "otel", guard: node, telemetry: "otel" },
  ];
  const samples = Object.fromEntries(configs.map((c) => [c.name, []]));
  for (let r = 0; r < rounds + 1; r++) {
    for (const config of configs) {
      const listening = config.telemetry && (await subscribe(config.telemetry, [node.verifier]));
      const ns = timeChecks(config.guard, request, n);
      if (r > 0) samples[config.name].push(ns); // round 0 warms the JIT for every configuration
      await listening?.stop();
    }
  }
  return samples;
}
