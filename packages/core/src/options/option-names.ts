import { KeyguardConfigError } from "../errors";
import { nearestName } from "./did-you-mean";

/**
 * The names of an options interface, from a record typed by it: an option added to the
 * interface and forgotten in the record fails to compile.
 *
 * @example
 * ```ts
 * const CACHE_OPTION_NAMES = optionNames<CacheOptions>({ ttlMs: true, negativeTtlMs: true, max: true });
 * ```
 */
export const optionNames = <T>(record: Record<keyof T, true>) =>
  Object.freeze(Object.keys(record)) as readonly (keyof T & string)[];

/**
 * Refuses any own property of `options` not in `known`, naming it (with
 * `prefix`, e.g. `cache.`) and the nearest valid name. TypeScript users get this
 * from the compiler; JavaScript users get it here, at start-up, instead of an
 * option that silently does nothing.
 *
 * @example
 * ```ts
 * rejectUnknownOptions({ rootkey: "…" }, GUARD_OPTION_NAMES);
 * // KeyguardConfigError: Invalid option `rootkey`: unknown option; did you mean `rootKey`?
 * ```
 */
export function rejectUnknownOptions(options: object, known: readonly string[], prefix = ""): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const suggestion = nearestName(name, known);
    throw new KeyguardConfigError(
      `${prefix}${name}`,
      suggestion === undefined
        ? `unknown option; expected one of ${known.join(", ")}.`
        : `unknown option; did you mean \`${prefix}${suggestion}\`?`,
    );
  }
}

/**
 * Checks that `options` is an object holding only `names`, and returns just
 * those: what an adapter does with a small options object such as
 * `requirePermissions(query, { onDenied })`.
 *
 * @example
 * ```ts
 * const hooks = pickOptions(options, ["onDenied", "onError"] as const);
 * ```
 */
export function pickOptions<T extends object, K extends keyof T & string>(
  options: T | undefined,
  names: readonly K[],
): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  if (options === undefined) return picked;
  if (typeof options !== "object" || options === null) {
    throw new KeyguardConfigError("options", "expected an object.");
  }
  rejectUnknownOptions(options, names);
  for (const name of names) if (options[name] !== undefined) picked[name] = options[name];
  return picked;
}
