import { expect } from "vitest";
import { KeyguardConfigError } from "../src/index";

/**
 * The `KeyguardConfigError` a start-up call throws, to read its `option` and message.
 * (The core's own copy of @keyguard/test-support's helper: its suites test ../src, whose
 * error class is not the built one that helper checks against.)
 */
export function configError(create: () => unknown): KeyguardConfigError {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyguardConfigError);
    return error as KeyguardConfigError;
  }
  throw new Error("expected a KeyguardConfigError");
}
