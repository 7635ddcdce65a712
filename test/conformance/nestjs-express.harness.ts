import "reflect-metadata";
import type { GuardOptions, KeyContext, Verifier } from "@keyguard/core";
import {
  ApiKey,
  Public,
  RequirePermissions,
  UNKEY_VERIFIER,
  UnkeyModule,
  UnkeyRoute,
} from "@keyguard/nestjs";
import {
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  Module,
  Options,
  Post,
} from "@nestjs/common";
import { APP_FILTER, APP_GUARD, NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import type { FastifyAdapter } from "@nestjs/platform-fastify";
import {
  type AdapterHarness,
  type GuardedApp,
  type HandlerBody,
  type HookSpec,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
} from "./harness";
import { guardWithHooks, HookFailureFilter } from "./nest-hooks";

/**
 * The standard conformance app as a Nest user writes it: `UnkeyModule.forRoot`,
 * `UnkeyGuard` as `APP_GUARD`, `@Public()`, `@RequirePermissions()`,
 * `@UnkeyRoute({ cost })` and `@ApiKey()`. Built fresh per start so that each
 * app counts its own handler calls. Shared by both Nest platforms.
 */
export async function startNestApp(
  adapter: ExpressAdapter | FastifyAdapter,
  options: GuardOptions,
  spec?: HookSpec,
): Promise<GuardedApp> {
  let calls = 0;
  const answer = (route: string, unkey: KeyContext | undefined): HandlerBody => {
    calls++;
    return { route, unkey: unkey ?? null };
  };

  @Controller()
  class StandardController {
    @Public()
    @Get("public")
    public(key?: KeyContext) {
      return answer("/public", key);
    }
    @Get("protected")
    protected(key?: KeyContext) {
      return answer("/protected", key);
    }
    @Post("protected")
    @HttpCode(200) // Nest answers a POST 201 by default; the table expects 200 everywhere
    protectedPost(key?: KeyContext) {
      return answer("/protected", key);
    }
    @Options("protected")
    @HttpCode(204)
    preflight() {
      calls++;
    }
    @Get("read")
    @RequirePermissions(ROUTE_PERMISSIONS["/read"])
    read(key?: KeyContext) {
      return answer("/read", key);
    }
    @Get("write")
    @RequirePermissions(ROUTE_PERMISSIONS["/write"])
    write(key?: KeyContext) {
      return answer("/write", key);
    }
    @Get("read-and-write")
    @RequirePermissions(ROUTE_PERMISSIONS["/read-and-write"])
    readAndWrite(key?: KeyContext) {
      return answer("/read-and-write", key);
    }
    @Get("write-or-admin")
    @RequirePermissions(ROUTE_PERMISSIONS["/write-or-admin"])
    writeOrAdmin(key?: KeyContext) {
      return answer("/write-or-admin", key);
    }
    @Get("grouped")
    @RequirePermissions(ROUTE_PERMISSIONS["/grouped"])
    grouped(key?: KeyContext) {
      return answer("/grouped", key);
    }
    @Get(METERED_ROUTE.path.slice(1))
    @UnkeyRoute({ cost: METERED_ROUTE.cost })
    metered(key?: KeyContext) {
      return answer(METERED_ROUTE.path, key);
    }
  }
  // `@ApiKey() key` on every handler, applied by call: the repository's Biome
  // parser has parameter-decorator syntax off outside packages/nestjs.
  const handlers = [
    "public",
    "protected",
    "protectedPost",
    "read",
    "write",
    "readAndWrite",
    "writeOrAdmin",
    "grouped",
    "metered",
  ] as const;
  for (const name of handlers) ApiKey()(StandardController.prototype, name, 0);

  @Module({
    imports: [UnkeyModule.forRoot(options)],
    controllers: [StandardController],
    providers: [
      { provide: APP_GUARD, useClass: guardWithHooks(spec) },
      { provide: APP_FILTER, useClass: HookFailureFilter },
    ],
  })
  class AppModule {}

  const app: INestApplication = await NestFactory.create(AppModule, adapter, {
    logger: false,
    abortOnError: false,
  });
  await app.listen(0, "127.0.0.1");
  const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
  // The module's verifier provider: `app.get(UNKEY_VERIFIER).check()`.
  const { check } = app.get<string, Verifier>(UNKEY_VERIFIER);
  return { url, handlerCalls: () => calls, close: () => app.close(), check };
}

/** NestJS on `@nestjs/platform-express`. */
export const nestjsExpressHarness: AdapterHarness = {
  name: "nestjs-express",
  start: (options, hooks) => startNestApp(new ExpressAdapter(), options, hooks),
};
