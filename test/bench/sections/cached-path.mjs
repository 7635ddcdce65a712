// Section 1: the cached path per framework. Bare route, a pass-through middleware (what any
// one middleware costs there), the framework's cheapest correct auth (a fixed token compared
// in its own idiom: the floor), and keyguard with a warm cache; Hono also gets its own
// bearerAuth as a reference. Then keyguard's extra server CPU per request over the floor.
import { randomBytes } from "node:crypto";

export const id = 1;
export const title = "cached path";

const fmt = (n, d = 0) => n.toFixed(d);

/** The configurations compared for one framework, in measurement order. */
function configs(framework, emulator, key) {
  const list = [
    { label: "bare", config: { framework, guard: "none" } },
    { label: "pass-through middleware", config: { framework, guard: "noop" } },
    {
      label: "static-token floor",
      config: { framework, guard: "static-token", options: { token: key } },
    },
    // The same server again: what two identical configurations differ by here (A/A).
    {
      label: "static-token floor, again",
      config: { framework, guard: "static-token", options: { token: key } },
    },
  ];
  if (framework === "hono") {
    list.push({
      label: "hono/bearer-auth (reference)",
      config: { framework, guard: "hono-bearer-auth", options: { token: key } },
    });
  }
  list.push({
    label: "guarded (warm cache)",
    config: {
      framework,
      guard: "keyguard",
      options: { rootKey: emulator.rootKey, baseUrl: emulator.url },
    },
  });
  return list;
}

/** Median of same-round differences: a slow moment of the machine falls on both sides. */
function pairedExtra(ctx, guarded, floor) {
  return ctx.median(guarded.cpuRounds.map((cpu, i) => cpu - floor.cpuRounds[i]));
}

async function framework(ctx, name, emulator, key) {
  const list = configs(name, emulator, key);
  const measured = await ctx.compare(
    list.map((c) => c.config),
    key,
  );
  const by = Object.fromEntries(list.map((c, i) => [c.label, measured[i]]));
  const bare = by.bare;
  const noop = by["pass-through middleware"];
  const floor = by["static-token floor"];
  const guarded = by["guarded (warm cache)"];
  ctx.row({ name: `${name} bare`, ...bare });
  ctx.row({
    name: `${name} pass-through middleware`,
    ...noop,
    ratio: noop.rps / bare.rps,
    result: `${fmt(noop.rps / bare.rps, 2)}× noop/bare`,
  });
  ctx.row({
    name: `${name} static-token floor`,
    ...floor,
    ratio: floor.rps / bare.rps,
    result: `${fmt(floor.rps / bare.rps, 2)}× floor/bare`,
  });
  const reference = by["hono/bearer-auth (reference)"];
  if (reference) {
    ctx.row({
      name: `${name} hono/bearer-auth (reference)`,
      ...reference,
      ratio: reference.rps / bare.rps,
      result: `${fmt(reference.rps / bare.rps, 2)}× bearerAuth/bare`,
    });
  }
  const ratio = guarded.rps / bare.rps;
  ctx.row({
    name: `${name} guarded (warm cache)`,
    ...guarded,
    ratio,
    result: `${fmt(ratio, 2)}× guarded/bare (${fmt(guarded.rps / noop.rps, 2)}× guarded/noop; keyguard ${fmt(guarded.cpuPerRequest - noop.cpuPerRequest, 1)} µs CPU/req over noop)`,
    target: "≥ 0.95",
    verdict: ratio >= 0.95 ? "meets" : "UNDER",
  });
  const again = by["static-token floor, again"];
  const noise = pairedExtra(ctx, again, floor);
  ctx.row({
    name: `${name} static-token floor, again (A/A)`,
    ...again,
    extraMicros: noise,
    result: `${noise >= 0 ? "+" : ""}${fmt(noise, 1)} µs server CPU/req over the same floor in another process: this run's resolution`,
  });
  const extra = pairedExtra(ctx, guarded, floor);
  const allowed = Math.max(1, 0.03 * floor.cpuPerRequest);
  ctx.row({
    name: `${name} keyguard over static-token floor`,
    extraMicros: extra,
    allowedMicros: allowed,
    result: `${extra >= 0 ? "+" : ""}${fmt(extra, 1)} µs server CPU/req (median of paired rounds; ${fmt(guarded.rps / floor.rps, 2)}× guarded/floor req/s)`,
    target: `≤ ${fmt(allowed, 1)} µs (max(1 µs, 3% of floor))`,
    verdict: extra <= allowed ? "meets" : "UNDER",
  });
}

export async function run(ctx) {
  const key = `bench_cached_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(0, { apis: [{ name: "cached", keys: [{ key }] }] });
  try {
    for (const name of ctx.frameworks) await framework(ctx, name, emulator, key);
  } finally {
    await emulator.stop();
  }
  ctx.note(
    "Static-token floors compare the `Authorization` header to a fixed `Bearer <token>` with `===` (not constant-time: the floor is the cheapest correct check, and a timing-safe compare of a short string costs about as much); Express: a one-line `app.use`, Hono: a one-line `app.use` reading `c.req.header()`, Fastify: `@fastify/bearer-auth` (timing-safe), Nest: a one-line `APP_GUARD` throwing `UnauthorizedException`. keyguard over floor = median over rounds of (guarded − floor) server CPU per request in the same round. The A/A row measures the floor against a second copy of itself the same way: a keyguard figure within it is not a measured difference; section 10 counts instructions instead.",
  );
}
