import { isPromise } from "./maybe-promise";

/** `typeof`, with `null` and arrays told apart: what a hook returned, for its error message. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function booleanFrom(hook: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  // A truthy non-boolean (a forgotten `await`, a string) must never read as "skip the guard".
  throw new TypeError(
    `\`${hook}\` must return a boolean (or a promise of one), got ${kindOf(value)}.`,
  );
}

/**
 * Checks what a yes/no hook (`skip`, Nest's `shouldSkip`) returned, awaiting a
 * promise: `true` or `false`, or a `TypeError` naming the hook for anything
 * else, which the adapter hands to its framework's error path. A settled
 * boolean stays synchronous, so the hot path takes no microtask hop.
 *
 * @example
 * ```ts
 * const skipped = hookBoolean("skip", options.skip(req));
 * if (isPromise(skipped)) skipped.then(proceed, next);
 * else proceed(skipped);
 * ```
 */
export function hookBoolean(hook: string, result: unknown): boolean | Promise<boolean> {
  if (isPromise(result)) return result.then((settled) => booleanFrom(hook, settled));
  return booleanFrom(hook, result);
}

/**
 * Runs `then` with `value` now if it is settled, or once its promise resolves.
 * On the asynchronous path every rejection, and every throw of `then`, goes to
 * `fail` (an adapter's `next(err)`): a callback-style middleware must never
 * leave a rejected promise behind, which would crash the process. On the
 * synchronous path a throw of `then` reaches the caller, whose own `try` sends
 * it to the same place.
 *
 * @example
 * ```ts
 * try {
 *   whenSettled(guard.check(request), (decision) => settle(decision, req, res, next), next);
 * } catch (error) {
 *   next(error);
 * }
 * ```
 */
export function whenSettled<T>(
  value: T | Promise<T>,
  then: (settled: T) => void,
  fail: (error: unknown) => void,
): void {
  if (!isPromise(value)) {
    then(value);
    return;
  }
  value.then((settled) => {
    try {
      then(settled);
    } catch (error) {
      fail(error);
    }
  }, fail);
}
