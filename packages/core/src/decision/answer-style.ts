import { KeyguardConfigError } from "../errors";
import type { KeyPresentation } from "../extract/key-presentation";
import {
  CURRENT_DRAFT_ONLY,
  type RatelimitHeaderSets,
  type RatelimitHeadersOption,
  resolveRatelimitHeaders,
} from "../options/ratelimit-header-options";
import { checkRealm, DEFAULT_REALM } from "./challenge";

/** Options of how a guard words its answers: the challenge's realm, rate-limit fields, 403 bodies. */
export interface AnswerOptions {
  /**
   * The `realm` of every `WWW-Authenticate` challenge (RFC 9110 §11.5, RFC 6750 §3): 1 to 256
   * printable ASCII characters without `"` or `\`.
   * @default "api"
   */
  realm?: string | undefined;
  /**
   * Rate-limit header fields: the current draft's `RateLimit-Policy` and `RateLimit`
   * (`"draft-09"`), plus, for older clients, draft-06's `RateLimit-Limit/-Remaining/-Reset`
   * (`["draft-09", "draft-06"]`) or `X-RateLimit-*` (`["draft-09", "x-ratelimit"]`).
   * @default "draft-09"
   */
  ratelimitHeaders?: RatelimitHeadersOption | undefined;
  /**
   * Lists, in a 403 `INSUFFICIENT_PERMISSIONS` body, the permissions of the route's query
   * that the key lacks (`missingPermissions`). Off by default: it tells whoever holds the key
   * what the key cannot do, route by route, which is the map a stolen key's user wants; the
   * challenge's `scope` says only what the route asks, the same for every caller.
   * @default false
   */
  exposeMissingPermissions?: boolean | undefined;
}

/** How a guard answers: where it asks for the key (its {@link KeyPresentation}) and its {@link AnswerOptions}, resolved. */
export interface AnswerStyle extends KeyPresentation {
  readonly realm: string;
  readonly ratelimitHeaders: RatelimitHeaderSets;
  readonly exposeMissingPermissions: boolean;
}

/** The style of `presentation` with `options` checked (each bad one named) and defaults applied. */
export function answerStyleOf(presentation: KeyPresentation, options: AnswerOptions): AnswerStyle {
  const expose = options.exposeMissingPermissions;
  if (expose !== undefined && typeof expose !== "boolean")
    throw new KeyguardConfigError(
      "exposeMissingPermissions",
      `expected true or false, got ${JSON.stringify(expose)}.`,
    );
  return Object.freeze({
    where: presentation.where,
    challenge: presentation.challenge,
    realm: checkRealm(options.realm),
    ratelimitHeaders: resolveRatelimitHeaders(options.ratelimitHeaders),
    exposeMissingPermissions: expose ?? false,
  });
}

/** The style of answers made with no guard's options: the default realm and fields. */
export function defaultStyleOf(presentation: KeyPresentation): AnswerStyle {
  return Object.freeze({
    where: presentation.where,
    challenge: presentation.challenge,
    realm: DEFAULT_REALM,
    ratelimitHeaders: CURRENT_DRAFT_ONLY,
    exposeMissingPermissions: false,
  });
}

// A registry-wide symbol, as issuer.ts's: a context one copy of the core issued carries its
// guard's style to `requirePermissions()` of another copy, whose 403 must challenge alike.
const STYLE = Symbol.for("keyguard.answer-style");

/** Marks a context (about to be frozen) with the style of the guard that let it in; not enumerable. */
export function markStyle<T extends object>(context: T, style: AnswerStyle): T {
  return Object.defineProperty(context, STYLE, { value: style });
}

/** The style of the guard that let this context in, when a guard did. */
export function styleOf(context: unknown): AnswerStyle | undefined {
  if (typeof context !== "object" || context === null) return undefined;
  const style = (context as { [STYLE]?: unknown })[STYLE];
  return typeof style === "object" && style !== null ? (style as AnswerStyle) : undefined;
}
