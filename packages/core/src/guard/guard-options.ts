import type { AnswerOptions } from "../decision/answer-style";
import type { CookieKeySource, KeySource } from "../extract/extract-key";
import { optionNames } from "../options/option-names";
import { ROUTE_OPTION_NAMES, type RouteOptions } from "../options/route-options";
import { VERIFIER_OPTION_NAMES, type VerifierOptions } from "../options/verifier-options";
import type { Verifier } from "../verify/verifier";

/**
 * Options shared by every adapter: verifier options (or a ready verifier), key sources, route
 * defaults, and how answers are worded ({@link AnswerOptions}: `realm`, `ratelimitHeaders`,
 * `exposeMissingPermissions`).
 */
export interface GuardOptions extends VerifierOptions, RouteOptions, AnswerOptions {
  /**
   * A ready verifier, so that several middleware instances share one cache.
   * When given, verifier options (rootKey, cache, …) must not be.
   */
  verifier?: Verifier | undefined;
  /**
   * Where the key is looked for, in order. A cookie's key is refused (403
   * `CROSS_SITE_REQUEST`) on an unsafe method from another site's page: see {@link CookieKeySource}.
   * @default [{ header: "authorization", scheme: "Bearer" }, { header: "x-api-key" }]
   */
  keySources?: readonly KeySource[] | undefined;
  /**
   * Whether CORS preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) pass unguarded.
   * Browsers never attach credentials to a preflight, so guarding it breaks CORS. A route that
   * requires permissions or is metered (`cost`, `ratelimits`) guards its preflights regardless:
   * its handler never runs without a key (answer preflights in CORS middleware before the guard).
   * @default "allow"
   */
  preflight?: "allow" | "guard" | undefined;
}

type GuardOnlyOptions = Omit<GuardOptions, keyof VerifierOptions | keyof RouteOptions>;

/** The names `createGuard` takes besides the verifier's and the routes' (what a guard alone uses). */
export const GUARD_ONLY_OPTION_NAMES = /* @__PURE__ */ optionNames<GuardOnlyOptions>({
  verifier: true,
  keySources: true,
  preflight: true,
  realm: true,
  ratelimitHeaders: true,
  exposeMissingPermissions: true,
});

/** The names `createGuard` accepts, and every adapter besides its own hooks. */
export const GUARD_OPTION_NAMES: readonly (keyof GuardOptions & string)[] =
  /* @__PURE__ */ Object.freeze([
    ...VERIFIER_OPTION_NAMES,
    ...ROUTE_OPTION_NAMES,
    ...GUARD_ONLY_OPTION_NAMES,
  ]);
