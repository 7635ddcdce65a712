import "reflect-metadata";
import { auditRoutes, Public, RequirePermissions, UnkeyGuard, UnkeyModule } from "@keyguard/nestjs";
import { Controller, Get, type INestApplication, Module, UseGuards } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { afterEach, describe, expect, it } from "vitest";

// The built @keyguard/nestjs on NestJS 12 (ESM only): the route audit builds paths with
// Nest's own RoutePathFactory, a deep import that must resolve there too.

@Controller("docs")
@UseGuards(UnkeyGuard)
@RequirePermissions("docs.read")
class DocsController {
  @Get()
  list() {
    return [];
  }

  @Public()
  @Get("health")
  health() {
    return "ok";
  }
}

@Controller("status")
class StatusController {
  @Get()
  status() {
    return "ok";
  }
}

@Module({
  imports: [UnkeyModule.forRoot({ rootKey: "unkey_root_test", baseUrl: "http://127.0.0.1:9" })],
  controllers: [DocsController, StatusController],
})
class AppModule {}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe.each(["express", "fastify"])("auditRoutes on NestJS 12 (%s)", (platform) => {
  it("lists the routes at the paths Nest 12 registers, with what guards them", async () => {
    app = await NestFactory.create(
      AppModule,
      platform === "express" ? new ExpressAdapter() : new FastifyAdapter(),
      { logger: false },
    );
    app.setGlobalPrefix("v1");
    await app.init();
    // The workspace's @keyguard/nestjs types name its own (NestJS 11) copy; a user's install has one.
    expect(auditRoutes(app as never)).toEqual([
      { method: "GET", path: "/v1/docs", access: "key", permissions: "docs.read" },
      { method: "GET", path: "/v1/docs/health", access: "public" },
      { method: "GET", path: "/v1/status", access: "open" },
    ]);
  });
});
