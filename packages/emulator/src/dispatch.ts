import { createContext, type HandlerResult, type RootKeyRecord } from "./context";
import { validationFailure } from "./errors";
import { handlers } from "./handlers";
import type { FixedWindowLimiter } from "./ratelimit";
import { type Operation, parseBody } from "./schemas";
import type { State } from "./state";

/** What one authenticated call needs besides its body. */
export interface DispatchInput {
  state: State;
  limiter: FixedWindowLimiter;
  root: RootKeyRecord;
  now: () => number;
  /** Called once after a handler changed the workspace. */
  save: () => void;
}

function parseJson(text: string): object {
  let raw: unknown;
  try {
    raw = text === "" ? undefined : JSON.parse(text);
  } catch {
    throw validationFailure("The request body is not valid JSON.", [
      { location: "body", message: "invalid JSON" },
    ]);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw validationFailure("The request body must be a JSON object.", [
      { location: "body", message: "expected object" },
    ]);
  }
  return raw;
}

/**
 * Runs one operation for an authenticated caller: JSON, schema, handler.
 * Returns the success envelope as JSON text; throws ApiError otherwise.
 */
export function dispatch(
  input: DispatchInput,
  operation: Operation,
  text: string,
  requestId: string,
): string {
  const body = parseBody(operation, parseJson(text));
  let dirty = false;
  const ctx = createContext(input.state, input.limiter, input.root, input.now, () => {
    dirty = true;
  });
  const handler = handlers[operation] as (c: typeof ctx, b: unknown) => HandlerResult;
  const result = handler(ctx, body);
  if (dirty) input.save();
  return JSON.stringify(
    result.pagination
      ? { meta: { requestId }, data: result.data, pagination: result.pagination }
      : { meta: { requestId }, data: result.data },
  );
}
