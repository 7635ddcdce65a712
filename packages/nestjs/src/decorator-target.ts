import { KeyguardConfigError, KeyguardSetupError } from "@keyguard/core";
import { locateConfigErrors, rejectUnknownOptions } from "@keyguard/core/adapter";
import { SetMetadata } from "@nestjs/common";

/** `DocsController` for a class decorator, `DocsController.read` for a method decorator. */
export function describeTarget(target: object, key?: string | symbol): string {
  const owner = typeof target === "function" ? target : target.constructor;
  const name = (owner as { name?: string }).name || "anonymous class";
  return key === undefined ? name : `${name}.${String(key)}`;
}

/**
 * Runs a validation when a decorator is applied (at class definition, so at
 * start-up); a failure keeps the option's name and says which decorator and target
 * (`@UnkeyRoute() on Docs.export: invalid option \`cost\`: …`).
 */
export function validateAt(at: string, validate: () => unknown): void {
  try {
    locateConfigErrors(at, validate);
  } catch (error) {
    // A permission query's syntax error says more than its wrapper: keep Unkey's wording.
    if (!(error instanceof KeyguardConfigError) || !(error.cause instanceof KeyguardConfigError))
      throw error;
    const inner = error.cause;
    const problem = inner.cause instanceof Error ? inner.cause.message : inner.problem;
    throw new KeyguardConfigError(inner.option, problem, { at, cause: inner });
  }
}

/**
 * Refuses an unknown option name in a decorator's options, naming the decorator,
 * its target and the option (`@UnkeyRoute() on Docs.export: invalid option \`cots\``),
 * with the nearest valid name.
 */
export function rejectUnknownAt(at: string, options: object, known: readonly string[]): void {
  locateConfigErrors(at, () => rejectUnknownOptions(options, known));
}

/**
 * Refuses a decorator on a class or method that already carries one of
 * `conflicting` (`@Public()` beside `@RequirePermissions()`): which was meant is
 * unknowable, so start-up fails rather than guess. Decorators apply bottom-up,
 * so whichever comes second is the one that notices.
 */
export function refuseBeside(
  at: string,
  conflicting: Readonly<Record<string, string>>,
  target: object,
  key?: string | symbol,
  descriptor?: PropertyDescriptor,
): void {
  const holder: unknown = key === undefined ? target : descriptor?.value;
  if (typeof holder !== "function") return;
  for (const [metadataKey, decorator] of Object.entries(conflicting)) {
    if (Reflect.getOwnMetadata(metadataKey, holder) !== undefined) {
      throw new KeyguardSetupError(at, `cannot stand beside ${decorator}: remove one of them.`);
    }
  }
}

type AnyDecorator = (
  target: object,
  key?: string | symbol,
  descriptor?: PropertyDescriptor,
) => unknown;

/** Applies `SetMetadata(metadataKey, value)` to a class or a method, whichever was decorated. */
export function setMetadataOn(
  metadataKey: string,
  value: unknown,
  target: object,
  key?: string | symbol,
  descriptor?: PropertyDescriptor,
): unknown {
  return (SetMetadata(metadataKey, value) as AnyDecorator)(target, key, descriptor);
}
