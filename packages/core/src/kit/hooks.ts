import { KeyguardConfigError } from "../errors";
import { GUARD_OPTION_NAMES, type GuardOptions } from "../guard/guard-options";
import { isPromise } from "../maybe-promise";
import { rejectUnknownOptions } from "../options/option-names";

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

/**
 * The hooks an adapter takes, by name: each is a function, or one of the words
 * listed (Express's `onError: "next"`, Hono's `onError: "throw"`).
 */
export type HookKinds<H extends string> = Readonly<Record<H, readonly string[]>>;

function checkHook(name: string, value: unknown, words: readonly string[]): void {
  if (value === undefined || typeof value === "function") return;
  if (typeof value === "string" && words.includes(value)) return;
  const expected = ["a function", ...words.map((word) => JSON.stringify(word))].join(" or ");
  throw new KeyguardConfigError(name, `expected ${expected}, got ${typeof value}.`);
}

/**
 * Splits an adapter's options into its hooks and the core's guard options,
 * once and the same way in every adapter: unknown names are refused first (so
 * a misspelt hook, `onDenid`, is named as one), then each hook must be a
 * function or one of its words. `ignored` names are the framework's own (say
 * Fastify's `prefix`) and are dropped. Throws a `KeyguardConfigError` at start-up.
 *
 * @example
 * ```ts
 * const { hooks, guardOptions } = splitHooks(options, {
 *   getKey: [], onDenied: [], onError: ["next"], skip: [],
 * });
 * const guard = createGuard(guardOptions);
 * ```
 */
export function splitHooks<O extends object, H extends keyof O & string>(
  options: O | undefined,
  kinds: HookKinds<H>,
  ignored: readonly string[] = [],
): { hooks: Partial<Pick<O, H>>; guardOptions: GuardOptions } {
  if (options === undefined) return { hooks: {}, guardOptions: {} };
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  const hookNames = Object.keys(kinds) as H[];
  rejectUnknownOptions(options, [...GUARD_OPTION_NAMES, ...hookNames, ...ignored]);
  const hooks: Partial<Pick<O, H>> = {};
  const guardOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (ignored.includes(name)) continue;
    if (!(name in kinds)) guardOptions[name] = value;
    else {
      checkHook(name, value, kinds[name as H]);
      if (value !== undefined) hooks[name as H] = value as O[H];
    }
  }
  return { hooks, guardOptions: guardOptions as GuardOptions };
}
