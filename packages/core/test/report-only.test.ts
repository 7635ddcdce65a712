import * as diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { createGuard } from "../src/adapter";
import type { Decision } from "../src/decision/decision";
import { reportOnlyOutcome } from "../src/guard/report-only";
import type { DecisionMessage } from "../src/telemetry/telemetry";
import { PUBLISHES } from "../src/telemetry/web";
import { configError } from "./config-error";
import { fakeUnkey, ROOT_KEY, validAnswer } from "./fake-unkey";

// Runs in `core` (the Web build: nothing published) and `core (node)` (diagnostics_channel).
const KEY = "sk_report_only_0123456789";
const headers = { authorization: `Bearer ${KEY}` };

const unsubscribers: (() => void)[] = [];
afterEach(() => {
  for (const off of unsubscribers.splice(0)) off();
});

function listen(): DecisionMessage[] {
  const seen: DecisionMessage[] = [];
  const onMessage = (message: unknown) => seen.push(message as DecisionMessage);
  diagnostics.subscribe("keyguard:decision", onMessage);
  unsubscribers.push(() => diagnostics.unsubscribe("keyguard:decision", onMessage));
  return seen;
}

/** A guard on a fake Unkey whose key has `facts` (permissions, credits). */
function guarded(facts: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const unkey = fakeUnkey(() => validAnswer({ keyId: "key_r", ...facts }));
  const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch, ...options });
  return { unkey, guard };
}

const allowedContext = (decision: Decision) => (decision.allowed ? decision.context : undefined);

describe("reportOnly: checked at start-up like permissions and cost", () => {
  it("a bad candidate query names reportOnly.permissions, with the route's prefix", () => {
    const guard = createGuard({ rootKey: ROOT_KEY });
    const error = configError(() =>
      guard.route({ reportOnly: { permissions: "a AND" } }, "config.unkey."),
    );
    expect(error.option).toBe("config.unkey.reportOnly.permissions");
    expect(
      configError(() => createGuard({ rootKey: ROOT_KEY, reportOnly: { permissions: "a b" } }))
        .option,
    ).toBe("reportOnly.permissions");
  });

  it("a bad cost, an unknown field, an empty or non-object value name the option", () => {
    const guard = createGuard({ rootKey: ROOT_KEY });
    expect(configError(() => guard.route({ reportOnly: { cost: -1 } })).option).toBe(
      "reportOnly.cost",
    );
    const unknown = configError(() => guard.route({ reportOnly: { costs: 2 } as never }));
    expect(unknown.option).toBe("reportOnly.costs");
    expect(unknown.message).toMatch(/did you mean `reportOnly.cost`/);
    expect(configError(() => guard.route({ reportOnly: {} })).option).toBe("reportOnly");
    expect(configError(() => guard.route({ reportOnly: "admin" as never })).option).toBe(
      "reportOnly",
    );
  });
});

describe("reportOnly: evaluated on the key's permissions and credits, never enforced", () => {
  it("a key lacking the candidate permission: would refuse; the answer and Unkey's request unchanged", async () => {
    const seen = listen();
    const { unkey, guard } = guarded({ permissions: ["docs.read"] });
    const route = guard.route({
      permissions: "docs.read",
      reportOnly: { permissions: "docs.write" },
    });
    const first = await guard.check({ headers, route: "/docs" }, route);
    const second = await guard.check({ headers, route: "/docs" }, route);
    expect(first.allowed && second.allowed).toBe(true);
    expect(allowedContext(second)?.source).toBe("cache");
    // Unkey is asked the route's own query only, once: the candidate adds no call, no field.
    expect(unkey.calls.map((call) => call.body)).toEqual([{ key: KEY, permissions: "docs.read" }]);
    if (!PUBLISHES) return void expect(seen).toEqual([]);
    const wouldRefuse = {
      outcome: "would_refuse",
      reason: "INSUFFICIENT_PERMISSIONS",
      permissions: { query: "docs.write", satisfied: false },
    };
    expect(seen.map((message) => [message.source, message.reportOnly])).toEqual([
      ["upstream", wouldRefuse],
      ["cache", wouldRefuse],
    ]);
  });

  it("a candidate cost the credits cover would charge it; one they do not would refuse", async () => {
    // 9 left after this verification's own charge of 1 (Unkey's default cost): 10 before.
    const { unkey, guard } = guarded({ credits: 9 });
    const covered = guard.route({ reportOnly: { cost: 10 } });
    const uncovered = guard.route({ reportOnly: { cost: 11 } });
    const seen = listen();
    expect((await guard.check({ headers }, covered)).allowed).toBe(true);
    expect((await guard.check({ headers }, uncovered)).allowed).toBe(true);
    // Never charged: the verification carries the route's real cost (none), not the candidate's.
    for (const call of unkey.calls) expect(call.body.credits).toBeUndefined();
    if (!PUBLISHES) return void expect(seen).toEqual([]);
    expect(seen.map((message) => message.reportOnly)).toEqual([
      { outcome: "would_allow", cost: { cost: 10, remaining: 10, wouldCharge: 10 } },
      {
        outcome: "would_refuse",
        reason: "USAGE_EXCEEDED",
        cost: { cost: 11, remaining: 10, wouldCharge: 0 },
      },
    ]);
  });

  it("the route's real cost is what the verification spent: a candidate replaces it", async () => {
    const { unkey, guard } = guarded({ credits: 4 });
    const route = guard.route({ cost: 3, reportOnly: { cost: 8 } });
    const seen = listen();
    expect((await guard.check({ headers }, route)).allowed).toBe(true);
    expect(unkey.calls[0]?.body.credits).toEqual({ cost: 3 });
    if (!PUBLISHES) return;
    expect(seen[0]?.reportOnly).toEqual({
      outcome: "would_refuse",
      reason: "USAGE_EXCEEDED",
      cost: { cost: 8, remaining: 7, wouldCharge: 0 },
    });
  });

  it("a key with unlimited credits always covers the cost, and would be charged nothing", async () => {
    const { guard } = guarded({});
    const seen = listen();
    await guard.check({ headers }, guard.route({ reportOnly: { cost: 1_000 } }));
    if (!PUBLISHES) return;
    expect(seen[0]?.reportOnly).toEqual({
      outcome: "would_allow",
      cost: { cost: 1_000, remaining: null, wouldCharge: 0 },
    });
  });

  it("the permission query is checked first, as Unkey does; a route's own reportOnly replaces the app's", async () => {
    const { guard } = guarded(
      { permissions: ["docs.read"], credits: 0 },
      { reportOnly: { permissions: "docs.read" } },
    );
    const seen = listen();
    await guard.check({ headers });
    await guard.check({ headers }, guard.route({ reportOnly: { permissions: "admin", cost: 5 } }));
    if (!PUBLISHES) return;
    expect(seen.map((message) => message.reportOnly)).toEqual([
      { outcome: "would_allow", permissions: { query: "docs.read", satisfied: true } },
      {
        outcome: "would_refuse",
        reason: "INSUFFICIENT_PERMISSIONS",
        permissions: { query: "admin", satisfied: false },
        cost: { cost: 5, remaining: 1, wouldCharge: 0 },
      },
    ]);
  });
});

describe("reportOnlyOutcome", () => {
  const { guard } = guarded({});
  const route = guard.route({ reportOnly: { permissions: "admin" } });
  const context = { keyId: "key_r", roles: [], permissions: [], source: "upstream" } as const;

  it("says nothing of a refused request, a request let in unverified, or a route without rules", () => {
    const denied = { allowed: false, status: 401, code: "NOT_FOUND" } as unknown as Decision;
    const failOpen: Decision = {
      allowed: true,
      context: { ...context, source: "fail-open" },
      headers: {},
    };
    const allowed: Decision = { allowed: true, context, headers: {} };
    expect(reportOnlyOutcome(denied, route)).toBeUndefined();
    expect(reportOnlyOutcome(failOpen, route)).toBeUndefined();
    expect(reportOnlyOutcome(allowed, guard.route({}))).toBeUndefined();
    expect(reportOnlyOutcome(allowed, route)?.outcome).toBe("would_refuse");
  });
});
