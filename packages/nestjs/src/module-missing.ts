import { KeyguardSetupError } from "@keyguard/core";

/**
 * Refuses a keyguard guard whose module was not imported (its core guard is
 * injected optionally, so that this names the fix instead of Nest's "can't
 * resolve dependencies" naming an internal token).
 */
export function assertModuleImported(core: unknown, guard: string, module: string): void {
  if (core !== undefined) return;
  throw new KeyguardSetupError(
    guard,
    `needs ${module}.forRoot() or ${module}.forRootAsync() in your app's imports: the module builds the client it verifies with.`,
  );
}
