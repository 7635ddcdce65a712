// Section 10: the cached path per framework in instructions per request (valgrind's
// callgrind), keyguard against the framework's static-token floor and the floor that also
// sets a context. Instruction counts repeat to about 1 % where section 1's CPU time moves by
// several µs, but they count user-space instructions only: the kernel's socket work, cache
// misses and stalls are not in them (issue 34 found Express's extra CPU time several times
// what its extra instructions suggest). So section 1's CPU time judges the cached-path goal;
// this section is its diagnostic, and its last rows put the two side by side.
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

/** The floor, the floor with context (section 1's) and keyguard, `reps` times each. */
async function framework(ctx, name, emulator, key, plan) {
  const floor = { framework: name, guard: "static-token", options: { token: key } };
  const withContext = { ...floor, guard: "static-token-context" };
  const guarded = {
    framework: name,
    guard: "keyguard",
    // A TTL longer than the run: the counted requests are all cache hits. A refresh (one
    // upstream call per key per TTL, and the JIT's first look at the miss path under
    // valgrind's slowness) is the uncached path's cost, measured in sections 2 and 3.
    options: { rootKey: emulator.rootKey, baseUrl: emulator.url, cache: { ttlMs: 3_600_000 } },
  };
  const [floors, contexts, guardeds] = await countSideBySide(
    [floor, withContext, guarded],
    key,
    plan,
  );
  const f = ctx.median(floors);
  const c = ctx.median(contexts);
  const g = ctx.median(guardeds);
  const percent = (100 * (g - c)) / c;
  const plain = (100 * (g - f)) / f;
  const context = (100 * (c - f)) / f;
  ctx.row({
    name: `${name} instructions per request, keyguard over static-token floor with context`,
    floorInstructions: f,
    contextFloorInstructions: c,
    guardedInstructions: g,
    extraPercent: percent,
    result: `floor ${fmtK(f)}, with context ${fmtK(c)} (the context alone ${signed(context, context.toFixed(1))} %), keyguard ${fmtK(g)}: ${signed(g - c, fmtK(g - c))} (${signed(percent, percent.toFixed(1))} %) over the floor with context, ${signed(plain, plain.toFixed(1))} % over the floor; runs ${floors.map(fmtK).join("/")} · ${contexts.map(fmtK).join("/")} · ${guardeds.map(fmtK).join("/")}`,
    target: "diagnostic: section 1 judges",
  });
}

/**
 * Section 1's CPU time and this section's instructions side by side, per framework, when both
 * ran: where CPU time grows more than instructions do, the cost is what instructions miss.
 */
function besideCpuTime(ctx, frameworks) {
  for (const name of frameworks) {
    const cpu = ctx
      .rowsOf(1)
      .find((r) => r.name === `${name} keyguard over static-token floor with context`);
    const instr = ctx
      .rowsOf(id)
      .find((r) => r.name.startsWith(`${name} instructions per request, keyguard over`));
    if (cpu === undefined || instr === undefined) continue;
    const cpuPercent = (100 * cpu.extraMicros) / cpu.floorMicros;
    ctx.row({
      name: `${name} cached path over the floor with context: CPU time (section 1) beside instructions`,
      result: `CPU ${signed(cpu.extraMicros, cpu.extraMicros.toFixed(1))} µs (${signed(cpuPercent, cpuPercent.toFixed(1))} %; user ${signed(cpu.extraUserMicros, cpu.extraUserMicros.toFixed(1))}, system ${signed(cpu.extraSystemMicros, cpu.extraSystemMicros.toFixed(1))}; A/A ${signed(cpu.resolutionMicros, cpu.resolutionMicros.toFixed(1))}) · instructions ${signed(instr.extraPercent, instr.extraPercent.toFixed(1))} %`,
      target: cpu.target,
      verdict: `${cpu.verdict} (section 1)`,
    });
  }
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
  besideCpuTime(ctx, ctx.frameworks);
  ctx.note(
    `Each server runs under \`valgrind --tool=callgrind --instr-atstart=no\`; ${plan.warm} warm-up requests, then instrumentation on for ${plan.measured} requests sent one after another on one keep-alive connection; instructions counted ÷ requests. The floor, the floor with context and keyguard are counted side by side, ${plan.reps} time(s); medians. keyguard's cache TTL is set to an hour so that every counted request is a cache hit (refreshes are the uncached path's, sections 2 and 3). User-space instructions only: the kernel's socket work, cache misses and stalls are not counted, which is why section 1's CPU time (user + system) judges the cached-path goal and these counts are its diagnostic. The floors are section 1's.`,
  );
}
