import { Public, UnkeyGuard, UnkeyModule } from "@keyguard/nestjs";
import { Controller, type DynamicModule, Get, Module } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { OrdersController } from "./orders.controller";
import { OrdersService } from "./orders.service";

@Controller()
export class HealthController {
  @Public()
  @Get("health")
  health() {
    return { status: "ok" };
  }
}

/** The app: UnkeyGuard on every route (`@Public()` opts out), one verifier and cache for all. */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a decorated class with a static factory.
export class AppModule {
  static register(unkey: { rootKey: string; baseUrl?: string }): DynamicModule {
    return {
      module: AppModule,
      // Only the options keyguard knows: UnkeyModule refuses unknown names at start-up.
      imports: [UnkeyModule.forRoot({ rootKey: unkey.rootKey, baseUrl: unkey.baseUrl })],
      controllers: [HealthController, OrdersController],
      providers: [OrdersService, { provide: APP_GUARD, useClass: UnkeyGuard }],
    };
  }
}
