import "reflect-metadata";
import { createServer } from "node:http";
import type { Identify, IdentifyHelpers } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { identify as expressIdentify, ratelimit as expressRatelimit } from "@keyguard/express";
import { identify as fastifyIdentify, keyguardRatelimit } from "@keyguard/fastify";
import { identify as honoIdentify, ratelimit as honoRatelimit } from "@keyguard/hono";
import {
  identify as nestIdentify,
  Ratelimit,
  RatelimitGuard,
  RatelimitModule,
} from "@keyguard/nestjs";
import { Controller, Get, Module } from "@nestjs/common";
import { APP_GUARD, NestFactory } from "@nestjs/core";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "./harness";
import { send } from "./http";
import { listenOnLoopback, serveOnLoopback } from "./running-app";
import { checkFields, checkStandards } from "./standards";

// `limits`: several limits in one ratelimit.multiLimit call per request, all or nothing as
// Unkey does (svc/api/routes/v2_ratelimit_multi_limit/handler.go), the same in every
// adapter. Per user 2 a minute and per tenant 3 a minute, identified by headers.

interface Connection {
  readonly rootKey: string;
  readonly baseUrl: string;
}

function limitsOf<R>(identify: Pick<IdentifyHelpers<R>, "header">, n: number) {
  const header = (name: string): Identify<R> => identify.header(name);
  return [
    { namespace: `group.user.${n}`, limit: 2, duration: 60_000, identifier: header("x-user") },
    { namespace: `group.tenant.${n}`, limit: 3, duration: 60_000, identifier: header("x-tenant") },
  ];
}

const ok = { ok: true };

const APPS: Record<string, (connection: Connection, n: number) => Promise<RunningApp>> = {
  async express(connection, n) {
    const app = express();
    const limit = expressRatelimit({ ...connection, limits: limitsOf(expressIdentify, n) });
    app.get("/group", limit, (_req, res) => void res.json(ok));
    return listenOnLoopback(createServer(app), () => 0);
  },
  async hono(connection, n) {
    const app = new Hono();
    const limit = honoRatelimit({ ...connection, limits: limitsOf(honoIdentify, n) });
    app.get("/group", limit, (c) => c.json(ok));
    return serveOnLoopback(app.fetch, () => 0);
  },
  async fastify(connection, n) {
    const app = Fastify();
    await app.register(keyguardRatelimit, { ...connection, limits: limitsOf(fastifyIdentify, n) });
    app.get("/group", () => ok);
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, handlerCalls: () => 0, close: () => app.close() };
  },
  async nestjs(connection, n) {
    @Controller()
    class GroupController {
      @Get("group")
      @Ratelimit()
      group() {
        return ok;
      }
    }
    @Module({
      imports: [RatelimitModule.forRoot({ ...connection, limits: limitsOf(nestIdentify, n) })],
      controllers: [GroupController],
      providers: [{ provide: APP_GUARD, useClass: RatelimitGuard }],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.listen(0, "127.0.0.1");
    const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
    return { url, handlerCalls: () => 0, close: () => app.close() };
  },
};

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.stop();
});

let apps = 0;

describe.each(Object.keys(APPS))("ratelimit({ limits }): %s", (name) => {
  it("one multiLimit call per request; refused by one limit, counted in none", async () => {
    const n = ++apps;
    const app = await (APPS[name] as (typeof APPS)[string])(
      { rootKey: emulator.rootKey, baseUrl: emulator.url },
      n,
    );
    try {
      const before = emulator.stats().calls["ratelimit.multiLimit"] ?? 0;
      const as = (user: string) =>
        send(app.url, "GET", "/group", [
          ["x-user", user],
          ["x-tenant", "acme"],
        ]);
      const statuses = [];
      for (const user of ["ann", "ann", "ann", "bob", "bob"])
        statuses.push((await as(user)).status);
      // ann: 2 of 2, then refused by her own limit; bob: the tenant has 1 left, then refused.
      expect(statuses).toEqual([200, 200, 429, 200, 429]);
      const refused = await as("bob");
      expect(refused.status).toBe(429);
      // One policy per limit, named for its namespace; the tenant's refused (§5.1 of the draft).
      const body = JSON.parse(refused.text) as Record<string, unknown>;
      checkStandards(refused.status, refused.headers, body, "refused");
      checkFields(
        refused.headers,
        {
          policy: [
            [`group.user.${n}`, { q: 2, w: 60 }],
            [`group.tenant.${n}`, { q: 3, w: 60 }],
          ],
          ratelimit: [
            [`group.user.${n}`, { r: 1, t: { atLeast: 0, atMost: 60 } }],
            [`group.tenant.${n}`, { r: 0, t: { atLeast: 1, atMost: 60 } }],
          ],
        },
        "refused",
      );
      expect(body["violated-policies"]).toEqual([`group.tenant.${n}`]);
      // The refused calls counted nowhere: the tenant holds 3, bob 1.
      const count = async (namespace: string, identifier: string) => {
        const answer = await emulator.call<{ remaining: number }>("ratelimit.limit", {
          namespace,
          identifier,
          limit: 100,
          duration: 60_000,
          cost: 0,
        });
        return 100 - answer.remaining;
      };
      expect(await count(`group.tenant.${n}`, "acme")).toBe(3);
      expect(await count(`group.user.${n}`, "bob")).toBe(1);
      // Three admitted, one call each; the refusals Unkey's answers proved cost none.
      expect((emulator.stats().calls["ratelimit.multiLimit"] ?? 0) - before).toBe(3);
    } finally {
      await app.close();
    }
  });
});
