import { CODES } from "../codes";
import { ApiError } from "../errors";
import { newRequestId } from "../ids";
import { DataFileError } from "../persistence";
import type { Operation } from "../schemas";

/**
 * What the page may do, each through the v2 handler of that name (the same code the API
 * runs, with the emulator's full-rights root key): create a key, enable or disable one
 * (`enabled` of keys.updateKey), add credits, delete a key.
 */
export const CONSOLE_ACTIONS: ReadonlySet<Operation> = new Set<Operation>([
  "keys.createKey",
  "keys.updateKey",
  "keys.updateCredits",
  "keys.deleteKey",
]);

/** Runs one v2 operation in-process: the success envelope as JSON text, or throws. */
export type RunOperation = (operation: Operation, text: string, requestId: string) => string;

/** An action's answer: the v2 envelope, as the API would have answered it. */
export function runAction(
  run: RunOperation,
  operation: Operation,
  text: string,
): { status: number; body: string } {
  const requestId = newRequestId();
  try {
    return { status: 200, body: run(operation, text, requestId) };
  } catch (error) {
    const apiError =
      error instanceof ApiError
        ? error
        : new ApiError(
            500,
            CODES.unexpectedError,
            error instanceof DataFileError ? error.message : "The emulator failed unexpectedly.",
          );
    return {
      status: apiError.status,
      body: JSON.stringify({ meta: { requestId }, error: apiError.toBody() }),
    };
  }
}
