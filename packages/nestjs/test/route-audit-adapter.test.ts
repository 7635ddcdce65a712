import "reflect-metadata";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import {
  Controller,
  Get,
  type INestApplication,
  type MiddlewareConsumer,
  Module,
  type NestModule,
} from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { Test } from "@nestjs/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertNoOpenRoutes, auditRoutes, UnkeyGuard, UnkeyModule } from "../src/index";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

@Controller("docs")
class DocsController {
  @Get()
  list() {
    return [];
  }
}

type Res = { status(code: number): Res; send(body: string): void };

/** Nest middleware that answers requests itself: it runs before UnkeyGuard, which never sees them. */
function maintenance(_req: unknown, res: Res) {
  res.status(503).send("down for maintenance");
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** UnkeyGuard on every controller route; a middleware and an adapter route beside them. */
async function create() {
  @Module({
    imports: [UnkeyModule.forRoot({ rootKey: emulator.rootKey, baseUrl: emulator.url })],
    controllers: [DocsController],
    providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(maintenance).forRoutes("maintenance");
    }
  }
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  app.getHttpAdapter().get("/raw", (_req: unknown, res: Res) => res.status(200).send("raw"));
  await app.listen(0, "127.0.0.1");
  return app;
}

describe("auditRoutes(app) on Nest (express): what answers outside controllers", () => {
  it("lists adapter routes and path-mounted middleware as open, each answering without a key", async () => {
    const ready = await create();
    const rows = auditRoutes(ready);
    expect(rows.map(({ method, path, access, kind }) => ({ method, access, kind, path }))).toEqual([
      { method: "GET", path: "/docs", access: "key", kind: undefined },
      {
        method: "ALL",
        path: expect.stringMatching(/^\/maintenance/),
        access: "open",
        kind: "middleware",
      },
      { method: "GET", path: "/raw", access: "open", kind: undefined },
    ]);
    const url = (await ready.getUrl()).replace("[::1]", "127.0.0.1");
    expect((await fetch(`${url}/docs`)).status).toBe(401);
    expect((await fetch(`${url}/maintenance`)).status).toBe(503);
    expect((await fetch(`${url}/raw`)).status).toBe(200);
  });

  it("refuses them in assertNoOpenRoutes until listed as public", async () => {
    const ready = await create();
    const middleware = auditRoutes(ready).find((row) => row.kind === "middleware");
    expect(() => assertNoOpenRoutes(ready)).toThrow(/2 routes answer requests without an API key/);
    expect(
      assertNoOpenRoutes(ready, { public: ["GET /raw", `ALL ${middleware?.path}`] }),
    ).toHaveLength(3);
  });
});
