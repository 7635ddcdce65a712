import "reflect-metadata";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { configErrorOf } from "@keyguard/test-support";
import {
  Controller,
  Delete,
  Get,
  type INestApplication,
  Post,
  UseGuards,
  Version,
  VersioningType,
} from "@nestjs/common";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  assertNoOpenRoutes,
  auditRoutes,
  KeyguardSetupError,
  Public,
  RequirePermissions,
  UnkeyGuard,
  UnkeyModule,
  UnkeyRoute,
} from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

@Controller("docs")
@UseGuards(UnkeyGuard)
class DocsController {
  @Get()
  @RequirePermissions("docs.read")
  list() {
    return [];
  }

  @Post()
  @UnkeyRoute({ cost: 5 })
  create() {
    return {};
  }

  @Get("shared")
  @Public()
  shared() {
    return {};
  }

  @Delete(":id")
  @Version("2")
  remove() {
    return {};
  }
}

@Controller("health")
class HealthController {
  @Get()
  check() {
    return "ok";
  }
}

@Controller("health")
@Public()
class PublicHealthController extends HealthController {}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** UnkeyGuard on one controller; a global prefix that `/health` is excluded from; URI versions. */
async function create(platform: "express" | "fastify", health = HealthController) {
  const moduleRef = await Test.createTestingModule({
    imports: [UnkeyModule.forRoot({ rootKey: emulator.rootKey, baseUrl: emulator.url })],
    controllers: [DocsController, health],
  }).compile();
  app = moduleRef.createNestApplication(
    platform === "express" ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false },
  );
  app.setGlobalPrefix("api", { exclude: ["health"] });
  app.enableVersioning({ type: VersioningType.URI });
  return app;
}

describe.each(["express", "fastify"] as const)("auditRoutes(app) on Nest (%s)", (platform) => {
  it("lists each route with its protection, at the paths Nest registers", async () => {
    const ready = await create(platform);
    await ready.init();
    expect(auditRoutes(ready)).toEqual([
      { method: "GET", path: "/api/docs", access: "key", permissions: "docs.read" },
      { method: "POST", path: "/api/docs", access: "key", cost: 5 },
      { method: "GET", path: "/api/docs/shared", access: "public" },
      { method: "DELETE", path: "/api/v2/docs/:id", access: "key" },
      { method: "GET", path: "/health", access: "open" },
    ]);
  });

  it("agrees with what a request without a key gets: 401 exactly on the key routes", async () => {
    const ready = await create(platform);
    await ready.listen(0, "127.0.0.1");
    const url = (await ready.getUrl()).replace("[::1]", "127.0.0.1");
    for (const row of auditRoutes(ready)) {
      const response = await fetch(url + row.path.replace(":id", "1"), { method: row.method });
      expect(`${row.method} ${row.path} ${response.status}`).toBe(
        `${row.method} ${row.path} ${row.access === "key" ? 401 : 200}`,
      );
    }
  });

  it("refuses before init(), when Nest has not registered the routes yet", async () => {
    const created = await create(platform);
    expect(() => auditRoutes(created)).toThrow(KeyguardSetupError);
    expect(() => auditRoutes(created)).toThrow(/after `await app.init\(\)`/);
  });
});

describe("assertNoOpenRoutes(app) on Nest", () => {
  it("throws a KeyguardConfigError naming the open route and how to mark it public", async () => {
    const ready = await create("express");
    await ready.init();
    const error = configErrorOf(() => assertNoOpenRoutes(ready));
    expect(error.message).toContain(
      "1 route answers without an API key and is not marked public: GET /health.",
    );
    expect(error.message).toContain("`@Public()` on the handler or controller");
  });

  it("passes once the route is marked @Public(), or listed public", async () => {
    const marked = await create("express", PublicHealthController);
    await marked.init();
    expect(assertNoOpenRoutes(marked).find((row) => row.path === "/health")?.access).toBe("public");
    await marked.close();
    const listed = await create("express");
    await listed.init();
    expect(assertNoOpenRoutes(listed, { public: ["GET /health"] })).toHaveLength(5);
  });

  it("refuses a public entry that names no route", async () => {
    const ready = await create("express");
    await ready.init();
    const error = configErrorOf(() => assertNoOpenRoutes(ready, { public: ["GET /api/health"] }));
    expect(error.message).toContain('"GET /api/health"');
  });
});
