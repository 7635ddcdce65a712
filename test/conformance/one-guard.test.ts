import { createServer } from "node:http";
import { createRequire } from "node:module";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import {
  requirePermissions as expressRequirePermissions,
  unkey as expressUnkey,
} from "@keyguard/express";
import { createVerifier, keyguard, UnkeyDeniedError } from "@keyguard/fastify";
import { requirePermissions as honoRequirePermissions, unkey as honoUnkey } from "@keyguard/hono";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ExpressFactory } from "./express.harness";
import type { RunningApp } from "./harness";
import { send } from "./http";
import { listenOnLoopback, serveOnLoopback } from "./running-app";

// One guard per request, in every adapter that can be set up with two: Unkey deducts a
// key's credits and counts its rate limits on every verification (keys.verifyKey), so a
// second keyguard guard on a request the first already verified must never verify again;
// and a permission check that no guard verified is the server's mistake, never a 401.
// Each app serves, behind whatever its framework lets a user stack:
//   /twice       a second guard asking for a cost, after the first (app-wide) guard
//   /local       a second guard asking only for permissions ("docs.read")
//   /unguarded   a permission check ("docs.read") where no guard verified the request
// Fastify's second guard is a nested registration, either hooked on its scope or opted into
// by the route (`onRequest: scope.verifyUnkey`, with its own options), under the app-wide one.
// NestJS refuses the first and last set-ups at start-up (packages/nestjs: unguarded.test.ts,
// module-missing.test.ts); Next.js has no second guard in one process.

interface Connection {
  readonly rootKey: string;
  readonly baseUrl: string;
}

const ok = { ok: true };

// Express 4 is installed as the `express4` alias (test/package.json), as express4.harness.ts uses it.
const express4 = createRequire(import.meta.url)("express4") as ExpressFactory;

function expressApp(createApp: ExpressFactory) {
  return async (connection: Connection): Promise<RunningApp> => {
    const app = createApp();
    const auth = expressUnkey(connection);
    app.get("/unguarded", expressRequirePermissions("docs.read"), (_req, res) => res.json(ok));
    app.use(auth);
    app.get("/twice", expressUnkey({ verifier: auth.verifier, cost: 1 }), (_req, res) =>
      res.json(ok),
    );
    const local = expressUnkey({ verifier: auth.verifier, permissions: "docs.read" });
    app.get("/local", local, (_req, res) => res.json(ok));
    return listenOnLoopback(createServer(app), () => 0);
  };
}

const APPS: Record<string, (connection: Connection) => Promise<RunningApp>> = {
  express: expressApp(express),
  express4: expressApp(express4),
  async hono(connection) {
    const app = new Hono();
    const auth = honoUnkey(connection);
    app.get("/unguarded", honoRequirePermissions("docs.read"), (c) => c.json(ok));
    app.use(auth);
    app.get("/twice", honoUnkey({ verifier: auth.verifier, cost: 1 }), (c) => c.json(ok));
    const local = honoUnkey({ verifier: auth.verifier, permissions: "docs.read" });
    app.get("/local", local, (c) => c.json(ok));
    return serveOnLoopback(app.fetch, () => 0);
  },
  // keyguard in a scope and again in a scope inside it; the permission route outside both.
  "fastify (nested plugins)": async (connection) => {
    const app = Fastify();
    app.get("/unguarded", { config: { unkey: { permissions: "docs.read" } } }, () => ok);
    app.register(async (outer) => {
      await outer.register(keyguard, connection);
      outer.register(async (inner) => {
        await inner.register(keyguard, connection);
        inner.get("/twice", { config: { unkey: { cost: 1 } } }, () => ok);
        inner.get("/local", { config: { unkey: { permissions: "docs.read" } } }, () => ok);
      });
    });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, handlerCalls: () => 0, close: () => app.close() };
  },
  // Express's app-wide unkey() plus a route's unkey({ verifier, cost }), as Fastify writes it:
  // keyguard at the root, and routes opting into decorate-only registrations of their own.
  "fastify (route guard)": async (connection) => {
    const verifier = createVerifier(connection);
    const app = Fastify();
    // Decorate-only denials are thrown; this is the README's handler that answers them.
    app.setErrorHandler((error, _request, reply) => {
      if (!(error instanceof UnkeyDeniedError)) throw error;
      const { status, headers, body } = error.decision;
      return reply.code(status).headers(headers).send(body);
    });
    await app.register(keyguard, { verifier });
    const routeGuard = (path: string, options: { cost?: number; permissions?: string }) =>
      app.register(async (scope) => {
        await scope.register(keyguard, { verifier, ...options, addHook: false });
        scope.get(path, { onRequest: scope.verifyUnkey }, () => ok);
      });
    await routeGuard("/twice", { cost: 1 });
    await routeGuard("/local", { permissions: "docs.read" });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, handlerCalls: () => 0, close: () => app.close() };
  },
};

interface Row {
  readonly name: string;
  readonly path: string;
  readonly status: number;
  readonly code?: string;
  /** keys.verifyKey calls for the request. */
  readonly upstream: number;
  /** The key's credits after the request; it starts with 10. */
  readonly credits: number;
}

const ROWS: readonly Row[] = [
  {
    name: "a second guard with a cost on a request the first verified: 500 GUARDED_TWICE, charged once (10 → 9)",
    path: "/twice",
    status: 500,
    code: "GUARDED_TWICE",
    upstream: 1,
    credits: 9,
  },
  {
    name: "a second guard that only asks for permissions: checked locally, charged once (10 → 9)",
    path: "/local",
    status: 200,
    upstream: 1,
    credits: 9,
  },
  {
    name: "a permission check no guard verified: 500 GUARD_MISSING, never a 401, never Unkey",
    path: "/unguarded",
    status: 500,
    code: "GUARD_MISSING",
    upstream: 0,
    credits: 10,
  },
];

// Under an app-wide plugin no route goes unverified: that row needs a route outside it.
const SERVES: Partial<Record<string, readonly string[]>> = {
  "fastify (route guard)": ["/twice", "/local"],
};
const rowsOf = (app: string) =>
  ROWS.filter((row) => SERVES[app]?.includes(row.path) ?? true).map(
    (row) => [row.name, row] as const,
  );

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "one-guard" }));
  await emulator.call("permissions.createPermission", { name: "docs.read", slug: "docs.read" });
});
afterAll(() => emulator.stop());
afterEach(() => {
  vi.restoreAllMocks();
});

const verifications = () => emulator.stats().calls["keys.verifyKey"] ?? 0;

describe.each(Object.keys(APPS))("one guard per request: %s", (name) => {
  it.each(rowsOf(name))("%s", async (_name, row) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { key, keyId } = await emulator.call<{ key: string; keyId: string }>("keys.createKey", {
      apiId,
      permissions: ["docs.read"],
      credits: { remaining: 10 },
    });
    const app = await (APPS[name] as (typeof APPS)[string])({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
    });
    try {
      const before = verifications();
      const response = await send(app.url, "GET", row.path, [["authorization", `Bearer ${key}`]]);
      const label = `${row.path} → ${response.status} ${response.text}`;
      expect(response.status, label).toBe(row.status);
      expect(verifications() - before, `${label}\nupstream calls`).toBe(row.upstream);
      const { credits } = await emulator.call<{ credits: { remaining: number } }>("keys.getKey", {
        keyId,
      });
      expect(credits.remaining, `${label}\ncredits`).toBe(row.credits);
      if (row.code === undefined) return;
      expect(response.headers["content-type"], label).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(response.text), label).toMatchObject({
        status: row.status,
        code: row.code,
      });
      // The server's mistake: no challenge that would send the client to its key, never the key.
      expect(response.headers["www-authenticate"], label).toBeUndefined();
      expect(response.text, label).not.toContain(key);
    } finally {
      await app.close();
    }
  });
});
