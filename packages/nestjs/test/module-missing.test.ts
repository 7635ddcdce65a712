import "reflect-metadata";
import { Controller, Get, type INestApplication, UseGuards } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Ratelimit, RatelimitGuard, UnkeyGuard } from "../src/index";
import { type Platform, startApp } from "./app";

// A guard registered without its module: Nest's own error named an internal token
// ("keyguard:core-guard") and never the fix (new-user review).

@Controller("plain")
class PlainController {
  @Get()
  plain() {
    return "plain";
  }
}

@Controller("scoped")
@UseGuards(UnkeyGuard)
class ScopedController {
  @Get()
  scoped() {
    return "never";
  }
}

@Controller("limited")
@UseGuards(RatelimitGuard)
class LimitedController {
  @Get()
  @Ratelimit({ limit: 1 })
  limited() {
    return "never";
  }
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function outcome(platform: Platform, controllers: unknown[], providers: unknown[] = []) {
  try {
    const running = await startApp(platform, { imports: [], controllers, providers });
    app = running.app;
    return { url: running.url };
  } catch (error) {
    return { error: error as Error };
  }
}

describe.each<Platform>(["express", "fastify"])("a guard without its module (%s)", (platform) => {
  it.each([
    ["UnkeyGuard", UnkeyGuard, "UnkeyModule.forRoot()"],
    ["RatelimitGuard", RatelimitGuard, "RatelimitModule.forRoot()"],
  ] as const)("an APP_GUARD %s refuses to start, naming the module", async (_name, guard, fix) => {
    const started = await outcome(
      platform,
      [PlainController],
      [{ provide: APP_GUARD, useClass: guard }],
    );
    expect(started.error?.name).toBe("KeyguardSetupError");
    expect(started.error?.message).toContain(fix);
  });

  it.each([
    ["@UseGuards(UnkeyGuard)", ScopedController, "UnkeyModule.forRoot()"],
    ["@UseGuards(RatelimitGuard)", LimitedController, "RatelimitModule.forRoot()"],
  ] as const)("%s refuses to start, naming the module", async (_name, controller, fix) => {
    const started = await outcome(platform, [controller]);
    expect(started.error?.name).toBe("KeyguardSetupError");
    expect(started.error?.message).toContain(fix);
  });

  it("a hand-made guard (useGlobalGuards(new UnkeyGuard())) answers 500, never the handler", async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [PlainController] }).compile();
    app = moduleRef.createNestApplication(
      platform === "express" ? new ExpressAdapter() : new FastifyAdapter(),
      { logger: false },
    );
    app.useGlobalGuards(new UnkeyGuard());
    await app.listen(0, "127.0.0.1");
    const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
    const response = await fetch(`${url}/plain`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("plain");
  });
});
