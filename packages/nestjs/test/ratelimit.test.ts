import "reflect-metadata";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { Controller, Get, Inject, Injectable, Module, Post } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identify, Ratelimit, RatelimitGuard, RatelimitModule } from "../src/index";
import { type Platform, startApp } from "./app";

/** Where the rate limiter's settings come from, as a ConfigService would give them. */
@Injectable()
class LimitsConfig {
  constructor(@Inject("EMULATOR") readonly emulator: { url: string; rootKey: string }) {}
}

@Controller("auth")
class AuthController {
  @Ratelimit({ limit: 2 })
  @Post("login")
  login() {
    return { ok: true };
  }

  @Get("open")
  open() {
    return { ok: true };
  }
}

/** A method's `@Ratelimit({ cost })` keeps its controller's identifier and limit (field by field). */
@Controller("bulk")
@Ratelimit({ limit: 3, identifier: identify.header("x-tenant") })
class BulkController {
  @Ratelimit({ cost: 2 })
  @Post()
  bulk() {
    return { ok: true };
  }
}

function limitsModule(emulator: Emulator) {
  @Module({
    providers: [LimitsConfig, { provide: "EMULATOR", useValue: emulator }],
    exports: [LimitsConfig],
  })
  class ConfigModule {}
  return ConfigModule;
}

describe.each<Platform>(["express", "fastify"])(
  "RatelimitModule.forRootAsync on %s",
  (platform) => {
    let emulator: Emulator;
    let running: Awaited<ReturnType<typeof startApp>>;
    const calls = () => emulator.stats().calls["ratelimit.limit"] ?? 0;

    beforeAll(async () => {
      emulator = await startEmulator();
      const module = RatelimitModule.forRootAsync({
        imports: [limitsModule(emulator)],
        inject: [LimitsConfig],
        useFactory: (config: LimitsConfig) => ({
          rootKey: config.emulator.rootKey,
          baseUrl: config.emulator.url,
          namespace: `nest.${platform}`,
          limit: 100,
          duration: 60_000,
          identifier: identify.ip(),
        }),
      });
      running = await startApp(platform, {
        imports: [module],
        controllers: [AuthController, BulkController],
        providers: [{ provide: APP_GUARD, useClass: RatelimitGuard }],
      });
    });
    afterAll(async () => {
      await running?.app.close();
      await emulator?.stop();
    });

    it("limits the decorated route with the factory's options and the decorator's limit", async () => {
      const login = () => fetch(`${running.url}/auth/login`, { method: "POST" });
      const first = await login();
      expect(first.status).toBe(201);
      // The policy is the namespace, with the decorator's limit (draft-ietf-httpapi-ratelimit-headers-10 §3).
      expect(first.headers.get("ratelimit-policy")).toBe(`"nest.${platform}";q=2;w=60`);
      expect(first.headers.get("ratelimit")).toMatch(
        new RegExp(`^"nest\\.${platform}";r=1;t=\\d+$`),
      );
      expect((await login()).status).toBe(201);
      const refused = await login();
      expect(refused.status).toBe(429);
      expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ status: 429, code: "RATE_LIMITED" });
      // The third is refused without a call: Unkey admitted 2 of 2 in this window.
      expect(calls()).toBe(2);
    });

    it("a method's @Ratelimit({ cost }) keeps the controller's identifier and limit", async () => {
      const bulk = () =>
        fetch(`${running.url}/bulk`, { method: "POST", headers: { "x-tenant": "acme" } });
      const first = await bulk();
      expect(first.status).toBe(201);
      expect(first.headers.get("ratelimit-policy")).toBe(`"nest.${platform}";q=3;w=60`);
      expect(first.headers.get("ratelimit")).toMatch(
        new RegExp(`^"nest\\.${platform}";r=1;t=\\d+$`),
      );
      expect((await bulk()).status).toBe(429);
      // Without the controller's header there is no identifier: an error (500 here), never a pass.
      expect((await fetch(`${running.url}/bulk`, { method: "POST" })).status).toBe(500);
    });

    it("leaves an undecorated route alone: no upstream call, no headers", async () => {
      const before = calls();
      const open = await fetch(`${running.url}/auth/open`);
      expect(open.status).toBe(200);
      expect(open.headers.get("ratelimit-policy")).toBeNull();
      expect(calls()).toBe(before);
    });
  },
);

describe("RatelimitModule option errors", () => {
  it("forRootAsync({ useFactry }) names it and suggests useFactory", () => {
    expect(() => RatelimitModule.forRootAsync({ useFactry: () => ({}) } as never)).toThrow(
      /did you mean `useFactory`/,
    );
  });

  it("a factory returning a duration under Unkey's 1 s fails the app's start, naming it", async () => {
    const module = RatelimitModule.forRootAsync({
      useFactory: () => ({
        rootKey: "unkey_root_test",
        namespace: "n",
        limit: 1,
        duration: 10,
        identifier: identify.ip(),
      }),
    });
    const started = startApp("express", { imports: [module], controllers: [AuthController] });
    await expect(started).rejects.toMatchObject({
      name: "KeyguardConfigError",
      option: "duration",
    });
  });

  it("a group module (limits) and a route's @Ratelimit({ limit }) fail app.init(), naming the route, before any request", async () => {
    const module = RatelimitModule.forRoot({
      rootKey: "unkey_root_test",
      limits: [{ namespace: "burst", limit: 5, duration: 1_000, identifier: identify.ip() }],
    });
    const started = startApp("express", {
      imports: [module],
      controllers: [AuthController],
      providers: [{ provide: APP_GUARD, useClass: RatelimitGuard }],
    });
    await expect(started).rejects.toMatchObject({
      name: "KeyguardConfigError",
      at: "@Ratelimit() on AuthController.login",
      message: expect.stringMatching(/per-route options do not apply/),
    });
  });
});
