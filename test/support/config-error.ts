import { KeyguardConfigError } from "@keyguard/core";
import { expect } from "vitest";

/** The `KeyguardConfigError` a start-up call throws, to read its `option` and message. */
export function configErrorOf(create: () => unknown): KeyguardConfigError {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyguardConfigError);
    return error as KeyguardConfigError;
  }
  throw new Error("expected a KeyguardConfigError");
}
