// CPU ns per cached guard decision, in this process: the core's guard (what every
// adapter calls per request) answering from its cache, built without channel
// publishing at all, then built alike with it: nobody listening, a
// `keyguard:decision` subscriber, and @keyguard/otel on the OpenTelemetry SDK.

import { importAdapter } from "./core-variants.mjs";
import { subscribe } from "./telemetry-subscribers.mjs";

/**
 * This process's CPU ns per `guard.check(request)` over n synchronous cached
 * decisions: CPU time, not wall time, so that time spent descheduled while the
 * machine's other tenants run is not counted.
 */
function timeChecks(guard, request, n) {
  let allowed = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) if (guard.check(request).allowed === true) allowed++;
  const used = process.cpuUsage(before);
  if (allowed !== n)
    throw new Error(`telemetry micro: ${n - allowed} of ${n} checks not a cached allow`);
  return ((used.user + used.system) * 1000) / n;
}

async function warmGuard(createGuard, options, request) {
  const guard = createGuard(options);
  const first = await guard.check(request); // the one upstream call; cached from here on
  if (!first.allowed) throw new Error(`telemetry micro: the key was refused (${first.code})`);
  return guard;
}

/**
 * Interleaved rounds of `n` checks per configuration, a warm-up round first, CPU
 * ns per check by configuration (arrays aligned by round). Listeners start before
 * and stop after their configuration's turn.
 */
async function rounds(configs, request, n, count, verifiers) {
  const samples = Object.fromEntries(configs.map((c) => [c.name, []]));
  for (let r = 0; r <= count; r++) {
    for (const config of configs) {
      const listening = config.telemetry && (await subscribe(config.telemetry, verifiers));
      const ns = timeChecks(config.guard, request, n);
      if (r > 0) samples[config.name].push(ns);
      await listening?.stop();
    }
  }
  return samples;
}

/**
 * Two phases: first the channels compiled out against the channels with nobody
 * ever listening (subscribing switches a channel object's prototype, and the
 * call sites that read it stay polymorphic); then nobody listening against each listener.
 */
export async function cachedCheckCosts({ emulator, key, n, rounds: count }) {
  const { createGuard: silentGuard } = await importAdapter({ channels: false });
  const { createGuard: nodeGuard } = await importAdapter({ channels: true });
  // A TTL longer than the run: every measured check is a cache hit.
  const options = { rootKey: emulator.rootKey, baseUrl: emulator.url, cache: { ttlMs: 3_600_000 } };
  const request = { headers: { authorization: `Bearer ${key}` }, method: "GET", route: "/hello" };
  const silent = await warmGuard(silentGuard, options, request);
  const node = await warmGuard(nodeGuard, options, request);
  const verifiers = [node.verifier];
  const never = await rounds(
    [
      { name: "compiled out", guard: silent },
      { name: "never", guard: node },
    ],
    request,
    n,
    count,
    verifiers,
  );
  const listened = await rounds(
    [
      { name: "none", guard: node },
      { name: "decision", guard: node, telemetry: "decision" },
      { name: "otel", guard: node, telemetry: "otel" },
    ],
    request,
    n,
    count,
    verifiers,
  );
  return { ...never, ...listened };
}
