import "reflect-metadata";
import type { KeyContext } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { Controller, Get, type MiddlewareConsumer, Module, type NestModule } from "@nestjs/common";
import { APP_GUARD, NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey, UnkeyGuard, UnkeyModule } from "../src/index";

// What a middleware writes at `req.unkey` before the guard never reaches a handler: the
// guard's value replaces it, for the process's first (overlapping) requests too.
describe("@ApiKey() on Express after a middleware wrote req.unkey", () => {
  let emulator: Emulator;
  let reader = "";
  beforeAll(async () => {
    emulator = await startEmulator();
    const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "ctx" });
    reader = (await emulator.call<{ key: string }>("keys.createKey", { apiId })).key;
    emulator.setFault({ latencyMs: 50 }); // the first requests all wait on Unkey together
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("is the verified key on every one of three concurrent first requests", async () => {
    @Controller()
    class MeController {
      @Get("me")
      me(@ApiKey() key?: KeyContext) {
        return { keyId: key?.keyId ?? null };
      }
    }
    @Module({
      imports: [UnkeyModule.forRoot({ rootKey: emulator.rootKey, baseUrl: emulator.url })],
      controllers: [MeController],
      providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
    })
    class AppModule implements NestModule {
      configure(consumer: MiddlewareConsumer) {
        consumer
          .apply((req: { unkey?: unknown }, _res: unknown, next: () => void) => {
            req.unkey = { keyId: "key_forged", permissions: ["admin"], roles: [] };
            next();
          })
          .forRoutes("*");
      }
    }
    const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger: false });
    await app.listen(0, "127.0.0.1");
    const { port } = app.getHttpServer().address() as { port: number };
    try {
      const answers = await Promise.all(
        [1, 2, 3].map(async () => {
          const res = await fetch(`http://127.0.0.1:${port}/me`, {
            headers: { authorization: `Bearer ${reader}` },
          });
          return (await res.json()) as { keyId: string | null };
        }),
      );
      const keyIds = answers.map((answer) => answer.keyId);
      expect(new Set(keyIds).size).toBe(1);
      expect(keyIds[0]).toMatch(/^key_/);
      expect(keyIds).not.toContain("key_forged");
    } finally {
      await app.close();
    }
  });
});
