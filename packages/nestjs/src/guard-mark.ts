// A registry-wide symbol rather than `instanceof`: the `@keyguard/nestjs/swagger`
// bundle must recognise UnkeyGuard (and subclasses) from the main bundle, in ESM and CJS alike.
/** Set on `UnkeyGuard` (inherited by subclasses), to find it among an app's guards. */
export const UNKEY_GUARD_MARK: unique symbol = Symbol.for("keyguard.nestjs.UnkeyGuard");

/** Whether a guard (a class or an instance, as `@UseGuards()` and `APP_GUARD` hold them) is an `UnkeyGuard`. */
export function isUnkeyGuard(guard: unknown): boolean {
  if (typeof guard === "function")
    return (guard as { [UNKEY_GUARD_MARK]?: unknown })[UNKEY_GUARD_MARK] === true;
  if (typeof guard !== "object" || guard === null) return false;
  return isUnkeyGuard(guard.constructor);
}
