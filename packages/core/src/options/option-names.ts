import { KeyguardConfigError } from "../errors";
import type { GuardOptions, RouteOptions } from "../guard/guard";
import type { CacheOptions, VerifierOptions } from "./verifier-options";

// Each list is the keys of a record typed by its options interface, so that an
// option added to the interface and forgotten here fails to compile.
const names = <T>(record: Record<keyof T, true>) =>
  Object.freeze(Object.keys(record)) as readonly (keyof T & string)[];

/** The names `createVerifier` accepts; a typo in JavaScript is refused, not ignored. */
export const VERIFIER_OPTION_NAMES = names<VerifierOptions>({
  rootKey: true,
  baseUrl: true,
  timeoutMs: true,
  cache: true,
  failureMode: true,
  staleIfErrorMs: true,
  sharedCache: true,
  migrationId: true,
  fetch: true,
  logger: true,
});

/** The names of `cache: { … }`. */
export const CACHE_OPTION_NAMES = names<CacheOptions>({
  ttlMs: true,
  negativeTtlMs: true,
  max: true,
});

/** The per-route names every adapter accepts (route options and their app-wide defaults). */
export const ROUTE_OPTION_NAMES = names<RouteOptions>({
  permissions: true,
  tags: true,
  cost: true,
  ratelimits: true,
});

type GuardOnlyOptions = Omit<GuardOptions, keyof VerifierOptions | keyof RouteOptions>;

/** The names `createGuard` accepts, and every adapter besides its own hooks. */
export const GUARD_OPTION_NAMES: readonly (keyof GuardOptions & string)[] = Object.freeze([
  ...VERIFIER_OPTION_NAMES,
  ...ROUTE_OPTION_NAMES,
  ...names<GuardOnlyOptions>({
    verifier: true,
    keySources: true,
    preflight: true,
    failureBudget: true,
  }),
]);

// Edit distance, to suggest the option a typo meant (`rootkey` → `rootKey`).
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known name closest to `name`, when one is close enough to be a typo of it. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A plural, a case slip or one or two wrong letters; beyond that a suggestion misleads.
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

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
