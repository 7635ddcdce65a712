import { createContext, type HandlerResult, type RootKeyRecord } from "./context";
import { validationFailure } from "./errors";
import { handlers } from "./handlers";
import type { CallObserver } from "./observe";
import { type Operation, parseBody } from "./schemas";
import type { SlidingWindowLimiter } from "./sliding-window";
import type { State } from "./state";

/** What one authenticated call needs besides its body. */
export interface DispatchInput {
  state: State;
  limiter: SlidingWindowLimiter;
  root: RootKeyRecord;
  now: () => number;
  /** Called once after a handler changed the workspace. */
  save: () => void;
  /** Told of every call once it was answered or refused (the console's live log). */
  observe?: CallObserver;
}

// ratelimit.multiLimit takes a bare array (its spec's request body is `type: array`).
const ARRAY_BODIES: ReadonlySet<Operation> = new Set(["ratelimit.multiLimit"]);

function parseJson(text: string, arrayBody: boolean): object {
  let raw: unknown;
  try {
    raw = text === "" ? undefined : JSON.parse(text);
  } catch {
    throw validationFailure("The request body is not valid JSON.", [
      { location: "body", message: "invalid JSON" },
    ]);
  }
  if (arrayBody && Array.isArray(raw)) return raw;
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
  let body: unknown;
  let dirty = false;
  let result: HandlerResult;
  try {
    body = parseBody(operation, parseJson(text, ARRAY_BODIES.has(operation)));
    const ctx = createContext(input.state, input.limiter, input.root, input.now, () => {
      dirty = true;
    });
    const handler = handlers[operation] as (c: typeof ctx, b: unknown) => HandlerResult;
    result = handler(ctx, body);
    if (dirty) input.save();
  } catch (error) {
    input.observe?.({ operation, body, error, changed: dirty });
    throw error;
  }
  input.observe?.({ operation, body, data: result.data, changed: dirty });
  return JSON.stringify(
    result.pagination
      ? { meta: { requestId }, data: result.data, pagination: result.pagination }
      : { meta: { requestId }, data: result.data },
  );
}
