import "reflect-metadata";
import { KeyguardSetupError } from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import {
  Controller,
  Get,
  type INestApplication,
  Injectable,
  Module,
  Post,
  Scope,
  UseGuards,
} from "@nestjs/common";
import { APP_GUARD, NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  ApiKey,
  Public,
  RequirePermissions,
  UnkeyGuard,
  UnkeyModule,
  UnkeyRoute,
} from "../src/index";
import { DocsController, type Platform, startApp } from "./app";

const upstream = () => fakeUnkey({ sk_rw: { keyId: "key_rw", permissions: ["docs.write"] } });
const unkey = () => UnkeyModule.forRoot({ rootKey: "unkey_root_test", fetch: upstream().fetch });

@Controller("key-only")
class KeyOnlyController {
  @Get()
  me(@ApiKey("keyId") keyId: string) {
    return { keyId };
  }
}

@Controller("metered")
class MeteredController {
  @Get("free")
  @Public()
  free() {
    return "ok";
  }

  @Get()
  @UnkeyRoute({ cost: 1 })
  metered() {
    return "ok";
  }
}

@Controller("health")
@Public()
class HealthController {
  @Get()
  health(@ApiKey() key: unknown) {
    return { unkey: key ?? null };
  }
}

@Controller("plain")
class PlainController {
  @Get()
  plain() {
    return "plain";
  }
}

@UseGuards(UnkeyGuard)
abstract class GuardedBase {}

@Controller("inherits")
class InheritsGuardController extends GuardedBase {
  @Post()
  @RequirePermissions("docs.write")
  create() {
    return { created: true };
  }
}

@Controller("partly")
class PartlyGuardedController {
  @Post("guarded")
  @UseGuards(UnkeyGuard)
  @RequirePermissions("docs.write")
  guarded() {
    return "ok";
  }

  @Post("forgotten")
  @RequirePermissions("docs.write")
  forgotten() {
    return "ok";
  }
}

/** Guarded per controller: beside an APP_GUARD, its routes would be verified (and charged) twice. */
@Controller("paid")
@UseGuards(UnkeyGuard)
class PaidController {
  @Get()
  @UnkeyRoute({ cost: 1 })
  paid() {
    return "ok";
  }
}

@Controller("twice")
@UseGuards(UnkeyGuard)
class TwiceController {
  @Get()
  @UseGuards(UnkeyGuard)
  twice() {
    return "ok";
  }
}

/** A request-scoped subclass, registered app-wide through an alias (attacker review). */
@Injectable({ scope: Scope.REQUEST })
class TenantUnkeyGuard extends UnkeyGuard {}
const aliasedAppGuard = [TenantUnkeyGuard, { provide: APP_GUARD, useExisting: TenantUnkeyGuard }];

const adapter = (platform: Platform) =>
  platform === "express" ? new ExpressAdapter() : new FastifyAdapter();

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function refusal(platform: Platform, controllers: unknown[], providers: unknown[] = []) {
  const error = await startApp(platform, { imports: [unkey()], controllers, providers }).then(
    (running) => {
      app = running.app;
      return undefined;
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(KeyguardSetupError);
  return error as KeyguardSetupError;
}

async function started(platform: Platform, controllers: unknown[], providers: unknown[] = []) {
  const running = await startApp(platform, { imports: [unkey()], controllers, providers });
  app = running.app;
  return running.url;
}

describe.each<Platform>(["express", "fastify"])(
  "UnkeyGuard registration check (%s)",
  (platform) => {
    it("refuses to start when no UnkeyGuard is registered, naming the first route and the APP_GUARD fix", async () => {
      const error = await refusal(platform, [DocsController]);
      expect(error.at).toBe("DocsController.list");
      expect(error.message).toContain("{ provide: APP_GUARD, useClass: UnkeyGuard }");
      expect(error.message).toContain("app.useGlobalGuards(app.get(UnkeyGuard))");
    });

    it("refuses a route that only reads @ApiKey(), and one that only has @UnkeyRoute()", async () => {
      expect((await refusal(platform, [KeyOnlyController])).at).toBe("KeyOnlyController.me");
      expect((await refusal(platform, [MeteredController])).at).toBe("MeteredController.metered");
    });

    it("refuses a decorated method beside one guarded by a method-level @UseGuards(UnkeyGuard)", async () => {
      const error = await refusal(platform, [PartlyGuardedController]);
      expect(error.at).toBe("PartlyGuardedController.forgotten");
    });

    it("refuses a route UnkeyGuard runs on twice, which would charge every request twice (attacker review)", async () => {
      const appWide = [{ provide: APP_GUARD, useClass: UnkeyGuard }];
      const error = await refusal(platform, [PaidController], appWide);
      expect(error.at).toBe("PaidController.paid");
      expect(error.message).toContain("UnkeyGuard (or a subclass) 2 times");
      expect(error.message).toContain("charges its credits, cost and rate limits again");
      expect((await refusal(platform, [TwiceController])).at).toBe("TwiceController.twice");
      // Either one alone starts.
      const url = await started(platform, [PaidController]);
      expect((await fetch(`${url}/paid`)).status).toBe(401);
    });

    it("counts a request-scoped APP_GUARD given by useExisting: refuses it twice, starts it once", async () => {
      const twice = await refusal(platform, [PaidController], aliasedAppGuard);
      expect(twice.at).toBe("PaidController.paid");
      const url = await started(platform, [DocsController], aliasedAppGuard);
      expect((await fetch(`${url}/docs`, { method: "POST" })).status).toBe(401);
    });

    it("starts with @Public() and undecorated routes only, and serves them without a key", async () => {
      const url = await started(platform, [HealthController, PlainController]);
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ unkey: null });
      expect(await (await fetch(`${url}/plain`)).text()).toBe("plain");
    });

    it("starts with APP_GUARD, and the route it guards answers 401 without a key", async () => {
      const url = await started(
        platform,
        [DocsController],
        [{ provide: APP_GUARD, useClass: UnkeyGuard }],
      );
      expect((await fetch(`${url}/docs`, { method: "POST" })).status).toBe(401);
    });

    it("starts with @UseGuards(UnkeyGuard) on a base class, and the route answers 401 without a key", async () => {
      const url = await started(platform, [InheritsGuardController]);
      expect((await fetch(`${url}/inherits`, { method: "POST" })).status).toBe(401);
      const allowed = await fetch(`${url}/inherits`, {
        method: "POST",
        headers: { authorization: "Bearer sk_rw" },
      });
      expect(allowed.status).toBe(201);
    });

    it.each(["listen", "init"] as const)(
      "starts with app.useGlobalGuards(app.get(UnkeyGuard)) called before app.%s()",
      async (start) => {
        const moduleRef = await Test.createTestingModule({
          imports: [unkey()],
          controllers: [DocsController],
        }).compile();
        app = moduleRef.createNestApplication(adapter(platform), { logger: false });
        app.useGlobalGuards(app.get(UnkeyGuard));
        if (start === "init") await app.init();
        await app.listen(0, "127.0.0.1");
        const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
        expect((await fetch(`${url}/docs`, { method: "POST" })).status).toBe(401);
      },
    );

    it("refuses at app.init() itself when no guard is registered by then", async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [unkey()],
        controllers: [DocsController],
      }).compile();
      app = moduleRef.createNestApplication(adapter(platform), { logger: false });
      await expect(app.init()).rejects.toMatchObject({
        name: "KeyguardSetupError",
        at: "DocsController.list",
      });
    });

    it("starts an app built by NestFactory.create with APP_GUARD in a feature module", async () => {
      @Module({ providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }] })
      class GuardModule {}
      @Module({ imports: [unkey(), GuardModule], controllers: [DocsController] })
      class AppModule {}
      app = await NestFactory.create(AppModule, adapter(platform), { logger: false });
      await app.listen(0, "127.0.0.1");
      const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
      expect((await fetch(`${url}/docs`, { method: "POST" })).status).toBe(401);
    });
  },
);

describe("UnkeyGuard registration check outside HTTP", () => {
  it("does not check a standalone application context, which serves no routes", async () => {
    @Module({ imports: [unkey()], controllers: [DocsController] })
    class AppModule {}
    const context = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await context.close();
  });
});
