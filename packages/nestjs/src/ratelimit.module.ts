import { KeyguardConfigError, type RatelimitMiddlewareOptions } from "@keyguard/core";
import {
  type RatelimitGuard as CoreGuard,
  createRatelimitGuard,
  rejectUnknownOptions,
} from "@keyguard/core/adapter";
import {
  type DynamicModule,
  type FactoryProvider,
  Inject,
  Module,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  Optional,
  type Provider,
} from "@nestjs/common";
import { APP_FILTER, HttpAdapterHost, ModulesContainer } from "@nestjs/core";
import { RATELIMIT_CORE_GUARD } from "./constants";
import type { UnkeyModuleExtras } from "./options";
import { RatelimitGuard } from "./ratelimit.guard";
import { compileRatelimitRoutes } from "./ratelimit-routes";
import type { UnkeyHttpRequest } from "./unkey.guard";
import { UnkeyExceptionFilter } from "./unkey-exception.filter";

/** Options of `RatelimitModule.forRoot`: the rate limiter's, the default `identifier` and `cost`. */
export type RatelimitModuleOptions = RatelimitMiddlewareOptions<UnkeyHttpRequest> &
  UnkeyModuleExtras;

/** Options of `RatelimitModule.forRootAsync`: a factory that may depend on other providers. */
export interface RatelimitModuleAsyncOptions extends UnkeyModuleExtras {
  /** Modules whose providers the factory injects (e.g. `ConfigModule`). @default [] */
  imports?: ModuleMetadata["imports"] | undefined;
  /** Providers passed to `useFactory`, in order. @default [] */
  inject?: FactoryProvider["inject"] | undefined;
  /** Builds the rate limiter's options (`exceptionFilter` is read from here, not from the factory). */
  useFactory: (
    ...args: never[]
  ) =>
    | RatelimitMiddlewareOptions<UnkeyHttpRequest>
    | Promise<RatelimitMiddlewareOptions<UnkeyHttpRequest>>;
}

const ASYNC_OPTION_NAMES = ["imports", "inject", "useFactory", "exceptionFilter"];

function checkExceptionFilter(value: unknown): void {
  if (value !== undefined && typeof value !== "boolean")
    throw new KeyguardConfigError("exceptionFilter", "expected a boolean.");
}

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
export class RatelimitModule implements OnApplicationBootstrap {
  // Property injection with explicit tokens, as in UnkeyModule (no `design:paramtypes` in the build).
  @Inject(ModulesContainer) private readonly modules!: ModulesContainer;
  @Inject(HttpAdapterHost) private readonly adapterHost!: HttpAdapterHost;
  @Optional()
  @Inject(RATELIMIT_CORE_GUARD)
  private readonly guard!: CoreGuard<UnkeyHttpRequest> | undefined;

  /**
   * Runs in `app.init()`: every route's `@Ratelimit()` is compiled with the
   * module's limiter, so a bad one fails start-up naming the route. A standalone
   * application context (no HTTP adapter) serves no routes and is not checked.
   */
  onApplicationBootstrap(): void {
    if (!this.adapterHost.httpAdapter || this.guard === undefined) return;
    compileRatelimitRoutes(this.modules, this.guard);
  }

  static forRoot(options: RatelimitModuleOptions): DynamicModule {
    if (typeof options !== "object" || options === null)
      throw new KeyguardConfigError("options", "expected an object.");
    const { exceptionFilter, ...rest } = options;
    checkExceptionFilter(exceptionFilter);
    // Built here, so that a bad option fails when the module is declared.
    const guard: CoreGuard<UnkeyHttpRequest> = createRatelimitGuard<UnkeyHttpRequest>(rest);
    const provider: Provider = { provide: RATELIMIT_CORE_GUARD, useValue: guard };
    return RatelimitModule.build(provider, [], exceptionFilter);
  }

  /**
   * Configures the rate limiter with options built by a factory that injects other
   * providers; they are checked when the app starts.
   *
   * @example
   * ```ts
   * RatelimitModule.forRootAsync({
   *   inject: [ConfigService],
   *   useFactory: (c: ConfigService) => ({ rootKey: c.get("UNKEY_ROOT_KEY"), namespace: "api", limit: 100, duration: 60_000, identifier: identify.ip() }),
   * })
   * ```
   */
  static forRootAsync(options: RatelimitModuleAsyncOptions): DynamicModule {
    if (typeof options === "object" && options !== null)
      rejectUnknownOptions(options, ASYNC_OPTION_NAMES);
    if (typeof options?.useFactory !== "function")
      throw new KeyguardConfigError("useFactory", "expected a function returning the options.");
    checkExceptionFilter(options.exceptionFilter);
    const factory = options.useFactory as (...args: unknown[]) => unknown;
    const provider: Provider = {
      provide: RATELIMIT_CORE_GUARD,
      useFactory: async (...args: unknown[]) =>
        createRatelimitGuard<UnkeyHttpRequest>(
          (await factory(...args)) as RatelimitMiddlewareOptions<UnkeyHttpRequest>,
        ),
      inject: options.inject ?? [],
    };
    return RatelimitModule.build(provider, options.imports ?? [], options.exceptionFilter);
  }

  private static build(
    guardProvider: Provider,
    imports: NonNullable<RatelimitModuleAsyncOptions["imports"]>,
    exceptionFilter: boolean | undefined,
  ): DynamicModule {
    const providers: Provider[] = [guardProvider, RatelimitGuard];
    if (exceptionFilter !== false)
      providers.push({ provide: APP_FILTER, useClass: UnkeyExceptionFilter });
    return {
      module: RatelimitModule,
      global: true,
      imports,
      providers,
      exports: [RATELIMIT_CORE_GUARD, RatelimitGuard],
    };
  }
}
