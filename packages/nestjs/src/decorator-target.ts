import { KeyguardConfigError } from "@keyguard/core";
import { SetMetadata } from "@nestjs/common";

/** `DocsController` for a class decorator, `DocsController.read` for a method decorator. */
export function describeTarget(target: object, key?: string | symbol): string {
  const owner = typeof target === "function" ? target : target.constructor;
  const name = (owner as { name?: string }).name || "anonymous class";
  return key === undefined ? name : `${name}.${String(key)}`;
}

/**
 * Runs a validation when a decorator is applied (at class definition, so at
 * start-up) and renames a failure after the decorator and its target.
 */
export function validateAt(option: string, validate: () => unknown): void {
  try {
    validate();
  } catch (error) {
    if (!(error instanceof KeyguardConfigError)) throw error;
    const problem = error.cause instanceof Error ? error.cause.message : error.message;
    throw new KeyguardConfigError(option, problem, { cause: error });
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
