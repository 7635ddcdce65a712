import type { KeyContext } from "@keyguard/core";
import {
  Controller,
  type DynamicModule,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Options,
  Post,
  UseGuards,
} from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import {
  ApiKey,
  Public,
  RequirePermissions,
  UnkeyGuard,
  UnkeyModule,
  type UnkeyModuleOptions,
  UnkeyRoute,
} from "../src/index";

/** How many times any handler ran: denials must never reach one. */
export const handled = { count: 0 };

@Controller("docs")
@RequirePermissions("docs.read")
export class DocsController {
  @Get()
  list(@ApiKey() key: KeyContext, @ApiKey("keyId") keyId: string) {
    handled.count++;
    return { route: "list", keyId, unkey: key };
  }

  @Post()
  @RequirePermissions("docs.write")
  create(@ApiKey("keyId") keyId: string) {
    handled.count++;
    return { route: "create", keyId };
  }

  @Get("public")
  @Public()
  open(@ApiKey() key: KeyContext | undefined) {
    handled.count++;
    return { route: "public", unkey: key ?? null };
  }
}

@Controller()
export class MiscController {
  @Get("me")
  me(@ApiKey() key: KeyContext) {
    handled.count++;
    return { route: "me", unkey: key };
  }

  @Options("me")
  @HttpCode(204)
  preflight() {
    handled.count++;
  }

  /** A handler that answers preflights but requires a permission: never run keyless. */
  @Options("admin")
  @RequirePermissions("admin")
  @HttpCode(204)
  adminPreflight() {
    handled.count++;
  }

  @Get("metered")
  @UnkeyRoute({ cost: 1 })
  metered(@ApiKey("credits") credits: number | undefined) {
    handled.count++;
    return { route: "metered", credits };
  }
}

/** Guarded per controller rather than app-wide. */
@Controller("scoped")
@UseGuards(UnkeyGuard)
export class ScopedController {
  @Get()
  scoped(@ApiKey("keyId") keyId: string) {
    return { keyId };
  }
}

/** Deliberately open (no guard runs on it): `@Public()`, or start-up would refuse its `@ApiKey()`. */
@Controller("open")
@Public()
export class OpenController {
  @Get()
  open(@ApiKey() key: KeyContext | undefined) {
    return { unkey: key ?? null };
  }
}

export type Platform = "express" | "fastify";

/** A config provider, for `forRootAsync`. */
@Injectable()
export class KeyguardConfig {
  constructor(@Inject("UPSTREAM_FETCH") readonly fetch: typeof globalThis.fetch) {}
}

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with static factories.
export class ConfigModule {
  static with(fetchImpl: typeof globalThis.fetch): DynamicModule {
    return {
      module: ConfigModule,
      providers: [KeyguardConfig, { provide: "UPSTREAM_FETCH", useValue: fetchImpl }],
      exports: [KeyguardConfig],
    };
  }
}

/** Compiles a testing module and listens on 127.0.0.1:0 on the chosen platform. */
export async function startApp(
  platform: Platform,
  metadata: { imports: unknown[]; controllers: unknown[]; providers?: unknown[] },
) {
  const moduleRef = await Test.createTestingModule(metadata as never).compile();
  const app = moduleRef.createNestApplication(
    platform === "express" ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false },
  );
  await app.listen(0, "127.0.0.1");
  const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
  return { app, url, moduleRef };
}

/** The standard test app: UnkeyModule.forRoot and UnkeyGuard app-wide. */
export function guardedApp(platform: Platform, options: UnkeyModuleOptions) {
  return startApp(platform, {
    imports: [UnkeyModule.forRoot(options)],
    controllers: [DocsController, MiscController],
    providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
  });
}
