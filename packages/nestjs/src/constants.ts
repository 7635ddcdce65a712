/**
 * Injection token of the options given to `UnkeyModule.forRoot` / `forRootAsync`.
 *
 * @example
 * ```ts
 * constructor(@Inject(UNKEY_OPTIONS) private readonly options: UnkeyModuleOptions) {}
 * ```
 */
export const UNKEY_OPTIONS = "keyguard:options";

/**
 * Injection token of the core guard (`createGuard(options)`), built once by `UnkeyModule`.
 * `UnkeyGuard` subclasses that declare their own constructor inject it with this token.
 *
 * @example
 * ```ts
 * constructor(reflector: Reflector, @Inject(UNKEY_CORE_GUARD) guard: Guard) { super(reflector, guard); }
 * ```
 */
export const UNKEY_CORE_GUARD = "keyguard:core-guard";

/**
 * Injection token of the app's one verifier (and its cache), e.g. to invalidate a revoked key.
 *
 * @example
 * ```ts
 * constructor(@Inject(UNKEY_VERIFIER) private readonly verifier: Verifier) {}
 * revoke(key: string) { this.verifier.invalidate(key); }
 * ```
 */
export const UNKEY_VERIFIER = "keyguard:verifier";

/** Metadata keys written by the decorators and read by `UnkeyGuard`. */
export const PUBLIC_METADATA = "keyguard:public";
export const PERMISSIONS_METADATA = "keyguard:permissions";
export const ROUTE_METADATA = "keyguard:route";

/** Injection token of the rate-limit guard core (`createRatelimitGuard(options)`), built once by `RatelimitModule`. */
export const RATELIMIT_CORE_GUARD = "keyguard:ratelimit-core-guard";
/** Metadata key written by `@Ratelimit()` and read by `RatelimitGuard`. */
export const RATELIMIT_METADATA = "keyguard:ratelimit";
