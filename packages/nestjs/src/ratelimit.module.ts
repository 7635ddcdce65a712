import { KeyguardConfigError, type RatelimitMiddlewareOptions } from "@keyguard/core";
import { type RatelimitGuard as CoreGuard, createRatelimitGuard } from "@keyguard/core/adapter";
import { type DynamicModule, Module, type Provider } from "@nestjs/common";
import { APP_FILTER } from "@nestjs/core";
import { RATELIMIT_CORE_GUARD } from "./constants";
import type { UnkeyModuleExtras } from "./options";
import { RatelimitGuard } from "./ratelimit.guard";
import type { UnkeyHttpRequest } from "./unkey.guard";
import { UnkeyExceptionFilter } from "./unkey-exception.filter";

/** Options of `RatelimitModule.forRoot`: the rate limiter's, the default `identifier` and `cost`. */
export type RatelimitModuleOptions = RatelimitMiddlewareOptions<UnkeyHttpRequest> &
  UnkeyModuleExtras;

/**
 * A global module that builds the app's rate limiter once (options validated at
 * start-up) and provides `RatelimitGuard`, which limits the routes marked
 * `@Ratelimit()`. It registers `UnkeyExceptionFilter` app-wide (as `UnkeyModule`
 * does) unless `exceptionFilter: false`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [RatelimitModule.forRoot({ namespace: "api", limit: 100, duration: 60_000, identifier: identify.ip() })],
 *   providers: [{ provide: APP_GUARD, useClass: RatelimitGuard }],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with static factories.
export class RatelimitModule {
  static forRoot(options: RatelimitModuleOptions): DynamicModule {
    if (typeof options !== "object" || options === null)
      throw new KeyguardConfigError("options", "expected an object.");
    const { exceptionFilter, ...rest } = options;
    if (exceptionFilter !== undefined && typeof exceptionFilter !== "boolean")
      throw new KeyguardConfigError("exceptionFilter", "expected a boolean.");
    // Built here, so that a bad option fails when the module is declared.
    const guard: CoreGuard<UnkeyHttpRequest> = createRatelimitGuard<UnkeyHttpRequest>(rest);
    const providers: Provider[] = [
      { provide: RATELIMIT_CORE_GUARD, useValue: guard },
      RatelimitGuard,
    ];
    if (exceptionFilter !== false)
      providers.push({ provide: APP_FILTER, useClass: UnkeyExceptionFilter });
    return {
      module: RatelimitModule,
      global: true,
      providers,
      exports: [RATELIMIT_CORE_GUARD, RatelimitGuard],
    };
  }
}
