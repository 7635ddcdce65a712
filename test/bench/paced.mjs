// A paced client for latency under load: one request every 1/rate s with one key on a
// keep-alive agent, each request's latency timed with performance.now() (autocannon's
// latencies are whole milliseconds, too coarse for a 10% comparison of a 2 ms p99).
import { Agent, request } from "node:http";
import { ROUTE } from "./apps.mjs";

function timedGet(url, agent, key) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(url, { agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end();
  });
}

/** Percentile `p` (0..1) of a list of numbers, nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/**
 * Sends `rate` requests a second, each with the key `nextKey()` returns, until `count`
 * requests were sent or `until()` is true (checked before each send), at most `maxInFlight`
 * at once (a late answer delays the next send rather than piling up). Resolves each
 * request's key, latency (ms) and status (0: no answer).
 */
export async function paced(
  url,
  { rate, nextKey, count = Infinity, until = () => false, maxInFlight = 8 },
) {
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const interval = 1000 / rate;
  const pending = new Set();
  const results = [];
  let next = performance.now();
  try {
    for (let sent = 0; sent < count && !until(); sent++) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      next += interval;
      if (pending.size >= maxInFlight) await Promise.race(pending);
      const key = nextKey();
      const one = timedGet(url + ROUTE, agent, key).then((r) => {
        pending.delete(one);
        results.push(r);
      });
      pending.add(one);
    }
    await Promise.all(pending);
    return results;
  } finally {
    agent.destroy();
  }
}
