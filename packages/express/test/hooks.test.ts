import { createRequire } from "node:module";
import { fakeUnkey } from "@keyguard/test-support";
import express5, { type ErrorRequestHandler, type Request, type Response } from "express";
import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type UnkeyExpressOptions, unkey } from "../src/index";

// The one hook contract: sync or async, and a throw or rejection from any hook reaches
// next(err) on the cache-hit and the cache-miss path alike: never a crash, never a pass.
const express4 = createRequire(import.meta.url)("express4") as typeof express5;

const KEYS = { sk_reader: { keyId: "key_reader", permissions: ["docs.read"] } };

const fail = (): never => {
  throw new Error("hook failed");
};

// An unhandled rejection is what took the process down; count them instead.
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe.each([
  ["express 5", express5],
  ["express 4", express4],
] as const)("hooks on %s", (_name, express) => {
  function setup(hooks: Partial<UnkeyExpressOptions>) {
    const upstream = fakeUnkey(KEYS);
    const state = { handled: 0, errors: [] as Error[] };
    const app = express();
    app.use(unkey({ rootKey: "unkey_root_test", fetch: upstream.fetch, ...hooks }));
    app.all("/docs", (req: Request, res: Response) => {
      state.handled++;
      res.json({ keyId: req.unkey?.keyId ?? null, hasKey: "unkey" in req });
    });
    const errorHandler: ErrorRequestHandler = (error: Error, _req, res, _next) => {
      state.errors.push(error);
      res.status(500).json({ code: "HOOK_FAILED" });
    };
    app.use(errorHandler);
    return { app, upstream, state };
  }

  it("an async skip that resolves false still guards the route", async () => {
    const { app, state } = setup({ skip: async () => false });
    const res = await request(app).get("/docs");
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text).code).toBe("MISSING_KEY");
    expect(state.handled).toBe(0);
  });

  it("an async skip that resolves true skips the guard", async () => {
    const { app, upstream } = setup({ skip: async () => true });
    const res = await request(app).get("/docs");
    expect(res.status).toBe(200);
    expect(res.body.keyId).toBeNull();
    expect(upstream.calls).toBe(0);
  });

  it("a skip that returns a non-boolean reaches next(err) naming the hook, never a pass", async () => {
    const { app, state } = setup({ skip: (() => "yes") as never });
    const res = await request(app).get("/docs");
    expect(res.status).toBe(500);
    expect(state.handled).toBe(0);
    expect(state.errors[0]?.message).toBe(
      "`skip` must return a boolean (or a promise of one), got string.",
    );
  });

  it("a skip that rejects reaches next(err), never a pass", async () => {
    const { app, state } = setup({ skip: async () => fail() });
    expect((await request(app).get("/docs")).status).toBe(500);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
  });

  it("a rejecting async getKey reaches next(err) and the process survives", async () => {
    const { app, state } = setup({ getKey: async () => fail() });
    expect((await request(app).get("/docs")).status).toBe(500);
    expect(state.handled).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it("a throwing onDenied on a cache hit (no key: decided synchronously) answers 500", async () => {
    const { app, state } = setup({ onDenied: fail });
    expect((await request(app).get("/docs")).status).toBe(500);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
  });

  it("a throwing onDenied on a cache miss answers 500 and the process survives", async () => {
    const { app, state, upstream } = setup({ onDenied: fail });
    const res = await request(app).get("/docs").set("Authorization", "Bearer sk_unknown");
    expect(res.status).toBe(500);
    expect(upstream.calls).toBe(1);
    expect(state.handled).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it("a throwing onDenied after an async getKey answers 500 and the process survives", async () => {
    const { app, state } = setup({ getKey: async () => "sk_unknown", onDenied: fail });
    expect((await request(app).get("/docs")).status).toBe(500);
    expect(state.handled).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it("a rejecting onDenied on a cache miss answers 500 and the process survives", async () => {
    const { app, state } = setup({ onDenied: async () => fail() });
    const res = await request(app).get("/docs").set("Authorization", "Bearer sk_unknown");
    expect(res.status).toBe(500);
    expect(state.handled).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it("a throwing onError on an outage (cache miss) answers 500 and the process survives", async () => {
    const { app, state, upstream } = setup({ onError: fail });
    upstream.down = true;
    const res = await request(app).get("/docs").set("Authorization", "Bearer sk_reader");
    expect(res.status).toBe(500);
    expect(state.errors[0]?.message).toBe("hook failed");
    expect(state.handled).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it("a CORS preflight reaches an app.all handler unguarded, with no req.unkey", async () => {
    const { app, upstream } = setup({});
    const res = await request(app)
      .options("/docs")
      .set("Origin", "https://app.example")
      .set("Access-Control-Request-Method", "DELETE");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keyId: null, hasKey: false });
    expect(upstream.calls).toBe(0);
  });
});
