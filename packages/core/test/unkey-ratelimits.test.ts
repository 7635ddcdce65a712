import { createHash } from "node:crypto";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createGuard, createRatelimitGuard } from "../src/adapter";
import { createRatelimiter, createRatelimitGroup, type RatelimiterOptions } from "../src/index";

// Rate limits as Unkey applies them, against the emulator (which transcribes Unkey's
// ratelimiter: sliding windows, overrides, multiLimit), under a fake Date that drives both.

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const MIGRATION = { id: "mig_core", algorithm: "github.com/seamapi/prefixed-api-key" } as const;
let emulator: Emulator;
let apiId: string;
/** How far Unkey's clock runs ahead of this process's. */
let skewMs = 0;

beforeAll(async () => {
  emulator = await startEmulator({
    now: () => Date.now() + skewMs,
    seed: { keyMigrations: [MIGRATION] },
  });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "limits" }));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  skewMs = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

let namespaces = 0;
const limitCalls = () => emulator.stats().calls["ratelimit.limit"] ?? 0;

function limiter(extra: Partial<RatelimiterOptions> = {}) {
  return createRatelimiter({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    namespace: `core.limits.${++namespaces}`,
    limit: 100,
    duration: MINUTE,
    ...extra,
  });
}

/** An override of `limit` per minute for `identifier`, set as a dashboard would. */
async function override(namespace: string, identifier: string, limit: number) {
  // setOverride needs the namespace: a first call creates it.
  await emulator.call("ratelimit.limit", {
    namespace,
    identifier: "setup",
    limit: 1,
    duration: MINUTE,
  });
  await emulator.call("ratelimit.setOverride", { namespace, identifier, limit, duration: MINUTE });
}

/** Unkey's count for an identifier now, read with a cost-0 check that consumes nothing. */
async function unkeyCount(namespace: string, identifier: string, duration = MINUTE) {
  const answer = await emulator.call<{ remaining: number; limit: number }>("ratelimit.limit", {
    namespace,
    identifier,
    limit: 1_000_000,
    duration,
    cost: 0,
  });
  return answer.limit - answer.remaining;
}

describe("an override lowering the limit to 10 where routes ask for 100", () => {
  it('mode: "async" admits what Unkey admits (10 of 60), never more', async () => {
    const async = limiter({ mode: "async" });
    await override(async.options.namespace, "user_1", 10);
    let admitted = 0;
    for (let i = 0; i < 60; i++) if ((await async.limit("user_1")).success) admitted++;
    await vi.waitFor(() => expect(async.stats().upstreamCalls).toBeGreaterThanOrEqual(10));
    expect(admitted).toBe(10);
    await vi.waitFor(async () =>
      expect(await unkeyCount(async.options.namespace, "user_1")).toBe(10),
    );
  });

  it('mode: "sync" refuses locally once Unkey provably would, reporting the applied limit and overrideId', async () => {
    const sync = limiter();
    await override(sync.options.namespace, "user_2", 10);
    const before = limitCalls();
    const answers = [];
    for (let i = 0; i < 15; i++) answers.push(await sync.limit("user_2"));
    expect(answers.filter((a) => a.success)).toHaveLength(10);
    expect(answers[0]).toMatchObject({ limit: 10, overrideId: expect.stringMatching(/\S/) });
    const local = answers.at(-1);
    expect(local).toMatchObject({ success: false, source: "local", limit: 10 });
    expect(local?.overrideId).toBe(answers[0]?.overrideId);
    expect(limitCalls() - before).toBe(10);
  });
});

describe("an override raised in Unkey while an identifier is refused locally", () => {
  it("reaches the limiter's decisions within cache.ttlMs (5 s), not at the window's end", async () => {
    const sync = limiter({ limit: 2 });
    for (let i = 0; i < 2; i++) expect((await sync.limit("user_4")).success).toBe(true);
    expect(await sync.limit("user_4")).toMatchObject({ success: false, source: "local" });
    await override(sync.options.namespace, "user_4", 10);
    const before = limitCalls();
    vi.setSystemTime(T0 + 5000);
    expect(await sync.limit("user_4")).toMatchObject({ success: false, source: "local" });
    expect(limitCalls()).toBe(before);
    vi.setSystemTime(T0 + 5001);
    expect(await sync.limit("user_4")).toMatchObject({
      success: true,
      source: "upstream",
      limit: 10,
    });
    expect(limitCalls()).toBe(before + 1);
  });
});

describe("a clock behind Unkey's by up to a second", () => {
  it("never refuses locally what Unkey, a second ahead, admits at the window's edge", async () => {
    const sync = limiter({ limit: 10, duration: 10_000, cache: { ttlMs: 60_000 } });
    for (let i = 0; i < 10; i++) expect((await sync.limit("user_5")).success).toBe(true);
    skewMs = 900;
    // Our clock 400 ms before the window's end, Unkey's 500 ms past it: ⌊10 × 0.95⌋ + 1 = 10.
    vi.setSystemTime(T0 + 9_600);
    expect(await sync.limit("user_5")).toMatchObject({ success: true, source: "upstream" });
  });
});

describe("a schedule crossing Unkey's sliding windows", () => {
  it("admits exactly what Unkey alone admits, with fewer upstream calls", async () => {
    const sync = limiter({ limit: 10, duration: 10_000 });
    const alone = `core.alone.${++namespaces}`;
    let viaKeyguard = 0;
    let unkeyAlone = 0;
    const before = limitCalls();
    // Three requests a second for 40 s (four windows of 10 s).
    for (let second = 0; second < 40; second++) {
      vi.setSystemTime(T0 + second * 1000 + 250);
      for (let i = 0; i < 3; i++) {
        if ((await sync.limit("user_3")).success) viaKeyguard++;
        const direct = await emulator.call<{ success: boolean }>("ratelimit.limit", {
          namespace: alone,
          identifier: "user_3",
          limit: 10,
          duration: 10_000,
        });
        if (direct.success) unkeyAlone++;
      }
    }
    const upstream = limitCalls() - before - 120;
    expect(unkeyAlone).toBeGreaterThan(30);
    expect(viaKeyguard).toBe(unkeyAlone);
    expect(upstream).toBeLessThan(120);
    // 240 sequential calls to the emulator: 1 s quiet, over 5 s on a loaded 2-core machine.
  }, 60_000);
});

describe("several limits in one ratelimit.multiLimit call", () => {
  it("are all or nothing: a refusal by one counts in none", async () => {
    const n = ++namespaces;
    const group = createRatelimitGroup({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      limits: [
        { namespace: `core.ip.${n}`, limit: 3, duration: MINUTE },
        { namespace: `core.tenant.${n}`, limit: 5, duration: MINUTE },
      ],
    });
    const check = (ip: string) => group.limit([{ identifier: ip }, { identifier: "acme" }]);
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await check("203.0.113.1")).success);
    expect(first).toEqual([true, true, true, false]);
    const second = [];
    for (let i = 0; i < 4; i++) second.push((await check("203.0.113.2")).success);
    expect(second).toEqual([true, true, false, false]);
    // The refused calls counted nowhere: the tenant holds 5, the second address 2.
    expect(await unkeyCount(`core.tenant.${n}`, "acme")).toBe(5);
    expect(await unkeyCount(`core.ip.${n}`, "203.0.113.2")).toBe(2);
    expect(emulator.stats().calls["ratelimit.multiLimit"]).toBeGreaterThan(0);
  });
});

describe("a group with two limits in one namespace", () => {
  it('mode: "async" learns a namespace\'s counters from every limit of it, so never admits past Unkey', async () => {
    const namespace = `core.shared.${++namespaces}`;
    const group = createRatelimitGroup({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      mode: "async",
      limits: [
        { namespace, limit: 2, duration: MINUTE },
        { namespace, limit: 2, duration: MINUTE },
      ],
    });
    const check = (a: string, b: string) => group.limit([{ identifier: a }, { identifier: b }]);
    expect((await check("u", "v")).success).toBe(true);
    expect((await check("v", "u")).success).toBe(true);
    // Unkey counts 2 for each now: a third is refused, whichever limit names which identifier.
    expect((await check("u", "v")).success).toBe(false);
    expect(await unkeyCount(namespace, "u")).toBe(2);
  });

  it('naming one identifier twice goes to Unkey every time, even in mode: "async", and answers as Unkey does', async () => {
    const namespace = `core.twice.${++namespaces}`;
    const alone = `core.twice.alone.${namespaces}`;
    const limitsOf = (ns: string) => [
      { namespace: ns, limit: 5, duration: MINUTE },
      { namespace: ns, limit: 3, duration: MINUTE },
    ];
    const group = createRatelimitGroup({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      mode: "async",
      limits: limitsOf(namespace),
    });
    const calls = () => emulator.stats().calls["ratelimit.multiLimit"] ?? 0;
    for (let i = 0; i < 4; i++) {
      const before = calls();
      const answer = await group.limit([{ identifier: "w" }, { identifier: "w" }]);
      expect(calls()).toBe(before + 1);
      const direct = await emulator.call<{ passed: boolean }>(
        "ratelimit.multiLimit",
        limitsOf(alone).map((l) => ({ ...l, identifier: "w" })),
      );
      expect(answer.success).toBe(direct.passed);
    }
  });
});

describe("a key imported with keys.migrateKeys", () => {
  it("verifies through keyguard with the verifier's migrationId (NOT_FOUND without it)", async () => {
    const longToken = "longtokenforcoretest";
    const key = `imp_short_${longToken}`;
    await emulator.call("keys.migrateKeys", {
      apiId,
      migrationId: MIGRATION.id,
      keys: [{ hash: createHash("sha256").update(longToken).digest("hex") }],
    });
    const headers = { authorization: `Bearer ${key}` };
    const without = createGuard({ rootKey: emulator.rootKey, baseUrl: emulator.url });
    expect(await without.check({ headers })).toMatchObject({ allowed: false, code: "NOT_FOUND" });
    const migrated = createGuard({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      migrationId: MIGRATION.id,
    });
    expect(await migrated.check({ headers })).toMatchObject({ allowed: true });
    // A key in no migration's shape (Unkey's 400 "Invalid key format") is an unknown key,
    // refused for itself: never a 500 for a misconfiguration.
    const garbage = await migrated.check({ headers: { authorization: "Bearer nounderscores" } });
    expect(garbage).toMatchObject({ allowed: false, status: 401, code: "NOT_FOUND" });
    // Other keys keep verifying.
    expect(await migrated.check({ headers })).toMatchObject({ allowed: true });
  });
});

describe("RateLimit-Policy under an override of Unkey's (limit 2 per 10 s where the route asks 100 per minute)", () => {
  // An override replaces the limit and the duration; the answer names the override but not
  // its duration, so keyguard cannot say `w` (unkey svc/api/routes/v2_ratelimit_limit/handler.go).
  async function guarded(identifier: string, overridden: boolean) {
    const namespace = `core.policy.${++namespaces}`;
    const guard = createRatelimitGuard<string>({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      namespace,
      limit: 100,
      duration: MINUTE,
      identifier: (id) => id,
    });
    await emulator.call("ratelimit.limit", {
      namespace,
      identifier: "setup",
      limit: 1,
      duration: MINUTE,
    });
    if (overridden)
      await emulator.call("ratelimit.setOverride", {
        namespace,
        identifier,
        limit: 2,
        duration: 10_000,
      });
    return guard;
  }

  it("leaves `w` out (allowed and refused), keeping the override's quota", async () => {
    const guard = await guarded("user_9", true);
    const allowed = await guard.check("user_9");
    expect(allowed).toMatchObject({ allowed: true });
    expect(allowed.headers["ratelimit-policy"]).toMatch(/;q=2$/);
    await guard.check("user_9");
    const refused = await guard.check("user_9");
    expect(refused).toMatchObject({ allowed: false, status: 429, code: "RATE_LIMITED" });
    expect(refused.headers["ratelimit-policy"]).toMatch(/;q=2$/);
  });

  it("says the route's window (w=60) when no override applies", async () => {
    const guard = await guarded("user_10", false);
    const allowed = await guard.check("user_10");
    expect(allowed.headers["ratelimit-policy"]).toMatch(/;q=100;w=60$/);
  });
});
