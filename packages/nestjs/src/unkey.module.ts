import { type GuardOptions, KeyguardConfigError } from "@keyguard/core";
import {
  addressGroup,
  createGuard,
  GUARD_OPTION_NAMES,
  type Guard,
  rejectUnknownOptions,
} from "@keyguard/core/adapter";
import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type Provider,
} from "@nestjs/common";
import {
  APP_FILTER,
  ApplicationConfig,
  HttpAdapterHost,
  ModulesContainer,
  Reflector,
} from "@nestjs/core";
import { UNKEY_CORE_GUARD, UNKEY_OPTIONS, UNKEY_VERIFIER } from "./constants";
import { markInitialized } from "./initialized";
import type { UnkeyModuleAsyncOptions, UnkeyModuleOptions } from "./options";
import { assertRoutesGuarded } from "./unguarded-routes";
import { UnkeyGuard } from "./unkey.guard";
import { UnkeyExceptionFilter } from "./unkey-exception.filter";

const FOR_ROOT_OPTION_NAMES: readonly string[] = [...GUARD_OPTION_NAMES, "exceptionFilter"];
const FOR_ROOT_ASYNC_OPTION_NAMES = ["imports", "inject", "useFactory", "exceptionFilter"] as const;

/** `forRoot`'s options without the module's own extras, unknown names refused. */
function withoutExtras(options: UnkeyModuleOptions) {
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  rejectUnknownOptions(options, FOR_ROOT_OPTION_NAMES);
  const { exceptionFilter: _, ...guardOptions } = options;
  return guardOptions;
}

/** What a `forRootAsync` factory built: guard options only, unknown names refused. */
function factoryOptions(options: unknown): GuardOptions {
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("useFactory", "expected it to return an options object.");
  }
  if ("exceptionFilter" in options) {
    // Read before the factory runs, when the module's providers are declared.
    throw new KeyguardConfigError(
      "exceptionFilter",
      "set it beside useFactory in forRootAsync({ ... }), not in the factory's result.",
      { at: "UnkeyModule.forRootAsync(): useFactory's result" },
    );
  }
  rejectUnknownOptions(options, GUARD_OPTION_NAMES);
  return options as GuardOptions;
}

/**
 * A global module that builds the app's one core guard and verifier (with its
 * cache), once, in a provider: options are validated at start-up. It provides
 * `UnkeyGuard`, the `UNKEY_VERIFIER` token, and registers
 * `UnkeyExceptionFilter` app-wide. It does not register the guard: when the
 * app starts (`app.init()` / `app.listen()`), a route that asks for a key but
 * that `UnkeyGuard` does not run on is refused with a `KeyguardConfigError`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     UnkeyModule.forRootAsync({
 *       imports: [ConfigModule],
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({ rootKey: config.getOrThrow("UNKEY_ROOT_KEY") }),
 *     }),
 *   ],
 *   providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class UnkeyModule implements OnApplicationBootstrap {
  // Property injection with explicit tokens, as in UnkeyGuard (no `design:paramtypes` in the build).
  @Inject(ModulesContainer) private readonly modules!: ModulesContainer;
  @Inject(ApplicationConfig) private readonly config!: ApplicationConfig;
  @Inject(Reflector) private readonly reflector!: Reflector;
  @Inject(HttpAdapterHost) private readonly adapterHost!: HttpAdapterHost;

  /**
   * Runs in `app.init()` (which `app.listen()` calls), after `main.ts`'s
   * `app.useGlobalGuards()` and after routes are registered: refuses a route
   * that asks for a key while `UnkeyGuard` runs nowhere on it. A standalone
   * application context (no HTTP adapter) serves no routes and is not checked.
   */
  onApplicationBootstrap(): void {
    if (!this.adapterHost.httpAdapter) return;
    assertRoutesGuarded({ modules: this.modules, config: this.config, reflector: this.reflector });
    markInitialized(this.modules);
  }

  /**
   * Configures keyguard with static options.
   *
   * @example
   * ```ts
   * UnkeyModule.forRoot({ rootKey: process.env.UNKEY_ROOT_KEY, cache: { ttlMs: 5_000 } })
   * ```
   */
  static forRoot(options: UnkeyModuleOptions = {}): DynamicModule {
    const guardOptions = withoutExtras(options);
    return UnkeyModule.build(
      { provide: UNKEY_OPTIONS, useFactory: () => guardOptions },
      [],
      options.exceptionFilter,
    );
  }

  /**
   * Configures keyguard with options built by a factory that injects other providers.
   *
   * @example
   * ```ts
   * UnkeyModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => ({ rootKey: c.get("UNKEY_ROOT_KEY") }) })
   * ```
   */
  static forRootAsync(options: UnkeyModuleAsyncOptions): DynamicModule {
    if (typeof options === "object" && options !== null)
      rejectUnknownOptions(options, FOR_ROOT_ASYNC_OPTION_NAMES);
    if (typeof options?.useFactory !== "function") {
      throw new KeyguardConfigError("useFactory", "expected a function returning the options.");
    }
    const factory = options.useFactory as (...args: unknown[]) => unknown;
    return UnkeyModule.build(
      {
        provide: UNKEY_OPTIONS,
        useFactory: async (...args: unknown[]) => factoryOptions(await factory(...args)),
        inject: options.inject ?? [],
      },
      options.imports ?? [],
      options.exceptionFilter,
    );
  }

  private static build(
    optionsProvider: Provider,
    imports: NonNullable<UnkeyModuleAsyncOptions["imports"]>,
    exceptionFilter: boolean | undefined,
  ): DynamicModule {
    if (exceptionFilter !== undefined && typeof exceptionFilter !== "boolean") {
      throw new KeyguardConfigError("exceptionFilter", "expected a boolean.");
    }
    const providers: Provider[] = [
      optionsProvider,
      {
        provide: UNKEY_CORE_GUARD,
        // Nest runs on Node: failureBudget groups addresses as identify.ip() does (ipaddr.js).
        useFactory: (options: GuardOptions) => createGuard(options, undefined, { addressGroup }),
        inject: [UNKEY_OPTIONS],
      },
      {
        provide: UNKEY_VERIFIER,
        useFactory: (guard: Guard) => guard.verifier,
        inject: [UNKEY_CORE_GUARD],
      },
      UnkeyGuard,
    ];
    if (exceptionFilter !== false)
      providers.push({ provide: APP_FILTER, useClass: UnkeyExceptionFilter });
    return {
      module: UnkeyModule,
      global: true,
      imports,
      providers,
      exports: [UNKEY_OPTIONS, UNKEY_CORE_GUARD, UNKEY_VERIFIER, UnkeyGuard],
    };
  }
}
