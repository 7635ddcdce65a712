// Section 10: the cached path per framework in instructions per request (valgrind's
// callgrind), keyguard against the framework's static-token floor. Section 1's CPU time per
// request cannot resolve a few µs on this shared machine; instruction counts repeat to about
// 1 %, so the cached-path goal (≤ 3 % over the floor) is judged here as well.
import { randomBytes } from "node:crypto";
import { callgrindAvailable, instructionsPerRequest } from "../instructions.mjs";

export const id = 10;
export const title = "instructions";

const fmtK = (n) => `${(n / 1000).toFixed(1)}k`;

function counts(ctx) {
  if (ctx.smoke) return { warm: 300, measured: 100, reps: 1 };
  return {
    warm: Number(process.env.BENCH_CALLGRIND_WARM ?? 8000),
    measured: Number(process.env.BENCH_CALLGRIND_REQUESTS ?? 4000),
    reps: Number(process.env.BENCH_CALLGRIND_REPS ?? 3),
  };
}

// Express re-parents every request object, and V8 then builds a new hidden class for each
// property added to it: in these two, the floor that also attaches a context (as keyguard
// must, at `req.unkey`) is counted too, to show what the framework's idiom itself costs.
const WITH_CONTEXT_FLOOR = new Set(["express", "nestjs-express"]);

const signed = (n, text) => `${n >= 0 ? "+" : ""}${text}`;

/** Counts each configuration side by side (one valgrind process each), `reps` times; medians. */
async function countSideBySide(configs, key, plan) {
  const runs = configs.map(() => []);
  for (let rep = 0; rep < plan.reps; rep++) {
    const counts = await Promise.all(
      configs.map((config) => instructionsPerRequest(config, key, plan)),
    );
    for (const [i, count] of counts.entries()) runs[i].push(count);
  }
  return runs;
}

/** Floor and keyguard (and, where it differs, the floor with a context), `reps` times. */
async function framework(ctx, name, emulator, key, plan) {
  const floor = { framework: name, guard: "static-token", options: { token: key } };
  const guarded = {
    framework: name,
    guard: "keyguard",
    // A TTL longer than the run: the counted requests are all cache hits. A refresh (one
    // upstream call per key per TTL, and the JIT's first look at the miss path under
    // valgrind's slowness) is the uncached path's cost, measured in sections 2 and 3.
    options: { rootKey: emulator.rootKey, baseUrl: emulator.url, cache: { ttlMs: 3_600_000 } },
  };
  const configs = [floor, guarded];
  if (WITH_CONTEXT_FLOOR.has(name)) configs.push({ ...floor, guard: "static-token-context" });
  const [floors, guardeds, contexts] = await countSideBySide(configs, key, plan);
  const f = ctx.median(floors);
  const g = ctx.median(guardeds);
  const extra = g - f;
  const percent = (100 * extra) / f;
  ctx.row({
    name: `${name} instructions per request, keyguard over static-token floor`,
    floorInstructions: f,
    guardedInstructions: g,
    extraPercent: percent,
    result: `floor ${fmtK(f)}, keyguard ${fmtK(g)}: ${signed(extra, fmtK(extra))} (${signed(percent, percent.toFixed(1))} %); runs ${floors.map(fmtK).join("/")} vs ${guardeds.map(fmtK).join("/")}`,
    target: "≤ 3 % of the floor",
    verdict: percent <= 3 ? "meets" : "UNDER",
  });
  if (contexts !== undefined) contextRow(ctx, name, f, g, contexts);
}

/** Reference: the floor that also sets `req.unkey`, and keyguard measured against it. */
function contextRow(ctx, name, f, g, contexts) {
  const c = ctx.median(contexts);
  const cost = (100 * (c - f)) / f;
  const over = (100 * (g - c)) / c;
  ctx.row({
    name: `${name} instructions per request, static-token floor that also sets req.unkey (reference)`,
    contextFloorInstructions: c,
    result: `${fmtK(c)}: the context alone ${signed(c - f, fmtK(c - f))} (${signed(cost, cost.toFixed(1))} %) over the floor; keyguard ${signed(over, over.toFixed(1))} % over this one; runs ${contexts.map(fmtK).join("/")}`,
  });
}

export async function run(ctx) {
  if (!callgrindAvailable()) {
    ctx.row({
      name: "instructions per request",
      result: "skipped: valgrind is not installed (apt-get install -y valgrind)",
    });
    return;
  }
  const plan = counts(ctx);
  const key = `bench_instr_${randomBytes(12).toString("hex")}`;
  const emulator = await ctx.startEmulator(0, { apis: [{ name: "instr", keys: [{ key }] }] });
  try {
    // Smoke: one framework, to prove the section runs; a full run counts every one.
    const frameworks = ctx.smoke ? ctx.frameworks.slice(0, 1) : ctx.frameworks;
    for (const name of frameworks) await framework(ctx, name, emulator, key, plan);
  } finally {
    await emulator.stop();
  }
  ctx.note(
    `Each server runs under \`valgrind --tool=callgrind --instr-atstart=no\`; ${plan.warm} warm-up requests, then instrumentation on for ${plan.measured} requests sent one after another on one keep-alive connection; instructions counted ÷ requests. Floor and keyguard (and, for Express and Nest, the floor that also sets \`req.unkey\`) are counted side by side, ${plan.reps} time(s); medians. keyguard's cache TTL is set to an hour so that every counted request is a cache hit (refreshes are the uncached path's, sections 2 and 3). User-space instructions only (the kernel's socket work is the same for both). The floors are section 1's.`,
  );
}
