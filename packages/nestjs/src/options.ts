import type { GuardOptions } from "@keyguard/core";
import type { FactoryProvider, ModuleMetadata } from "@nestjs/common";

/** What `UnkeyModule` registers besides the guard's options. */
export interface UnkeyModuleExtras {
  /**
   * Register `UnkeyExceptionFilter` app-wide, so a denial reaches the client
   * with its status, headers and `application/problem+json` body on Express
   * and Fastify. Turn it off only if your own filter writes `UnkeyDeniedException`.
   * @default true
   */
  exceptionFilter?: boolean | undefined;
}

/** Options of `UnkeyModule.forRoot`: the core's guard options (verifier options or a ready `verifier`, key sources, app-wide route defaults). */
export interface UnkeyModuleOptions extends GuardOptions, UnkeyModuleExtras {}

/** Options of `UnkeyModule.forRootAsync`: a factory that may depend on other providers. */
export interface UnkeyModuleAsyncOptions extends UnkeyModuleExtras {
  /**
   * Modules whose providers the factory injects (e.g. `ConfigModule`).
   * @default []
   */
  imports?: ModuleMetadata["imports"] | undefined;
  /**
   * Providers passed to `useFactory`, in order.
   * @default []
   */
  inject?: FactoryProvider["inject"] | undefined;
  /** Builds the guard options (`exceptionFilter` is read from here, not from the factory). */
  useFactory: (...args: never[]) => GuardOptions | Promise<GuardOptions>;
}
