/**
 * Whether a guard's answer (or a hook's) is still pending. `guard.check` answers
 * synchronously on a cache hit, so adapters test for a promise instead of
 * awaiting, and the hot path takes no microtask hop.
 *
 * @example
 * ```ts
 * const decision = guard.check(request);
 * if (isPromise(decision)) decision.then(apply, fail);
 * else apply(decision);
 * ```
 */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}
