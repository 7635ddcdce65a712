import { configErrorOf, fakeUnkey } from "@keyguard/test-support";
import { type Context, Hono } from "hono";
import { describe, expect, it } from "vitest";
import { requirePermissions, type UnkeyHonoOptions, unkey } from "../src/index";

// The one hook contract: sync or async, and a throw or rejection from any hook reaches
// app.onError on the cache-hit and the cache-miss path alike: never a pass.
const KEYS = { sk_reader: { keyId: "key_reader", permissions: ["docs.read"] } };

const fail = (): never => {
  throw new Error("hook failed");
};

function setup(hooks: Partial<UnkeyHonoOptions>) {
  const upstream = fakeUnkey(KEYS);
  const state = { handled: 0, errors: [] as Error[] };
  const app = new Hono();
  app.onError((error, c) => {
    state.errors.push(error);
    return c.json({ code: "HOOK_FAILED" }, 500);
  });
  app.use(unkey({ rootKey: "unkey_root_test", fetch: upstream.fetch, ...hooks }));
  app.all("/docs", (c: Context) => {
    state.handled++;
    return c.json({ unkey: c.get("unkey") ?? null });
  });
  return { app, upstream, state };
}

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

describe("hooks", () => {
  it("an async skip that resolves false still guards the route", async () => {
    const { app, state } = setup({ skip: async () => false });
    const res = await app.request("/docs");
    expect(res.status).toBe(401);
    expect(state.handled).toBe(0);
  });

  it("a skip that returns a non-boolean reaches app.onError naming the hook, never a pass", async () => {
    const { app, state } = setup({ skip: (() => "yes") as never });
    expect((await app.request("/docs")).status).toBe(500);
    expect(state.handled).toBe(0);
    expect(state.errors[0]?.message).toBe(
      "`skip` must return a boolean (or a promise of one), got string.",
    );
  });

  it("a skip whose promise resolves a non-boolean reaches app.onError, never a pass", async () => {
    const { app, state } = setup({ skip: (async () => 1) as never });
    expect((await app.request("/docs")).status).toBe(500);
    expect(state.errors[0]?.message).toMatch(/`skip` must return a boolean.*got number/);
    expect(state.handled).toBe(0);
  });

  it("a throwing onDenied on a cache miss reaches app.onError", async () => {
    const { app, state, upstream } = setup({ onDenied: fail });
    expect((await app.request("/docs", bearer("sk_unknown"))).status).toBe(500);
    expect(upstream.calls).toBe(1);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
  });

  it("a rejecting onError on an outage reaches app.onError", async () => {
    const { app, state, upstream } = setup({ onError: async () => fail() });
    upstream.down = true;
    expect((await app.request("/docs", bearer("sk_reader"))).status).toBe(500);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
  });

  it("a CORS preflight reaches an app.all handler unguarded, with no c.get('unkey')", async () => {
    const { app, upstream } = setup({});
    const res = await app.request("/docs", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "DELETE" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ unkey: null });
    expect(upstream.calls).toBe(0);
  });
});

describe("unknown option names are refused at start-up, with the nearest valid one", () => {
  it.each([
    ["onDenid", "onDenied"],
    ["skipp", "skip"],
    ["getkey", "getKey"],
    ["onErorr", "onError"],
  ])("unkey({ %s }) names it and suggests %s", (typo, meant) => {
    const options = { rootKey: "unkey_root_test", [typo]: () => true } as UnkeyHonoOptions;
    const error = configErrorOf(() => unkey(options));
    expect(error.option).toBe(typo);
    expect(error.message).toContain(`did you mean \`${meant}\`?`);
  });

  it("requirePermissions(query, { onDenid }) names it and suggests onDenied", () => {
    const error = configErrorOf(() => requirePermissions("docs.read", { onDenid: fail } as never));
    expect(error.option).toBe("onDenid");
    expect(error.message).toContain("did you mean `onDenied`?");
  });
});
