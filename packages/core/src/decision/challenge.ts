import { KeyguardConfigError } from "../errors";

/** The error codes of RFC 6750 §3.1, each with the status it goes with. */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

/** What one challenge says besides its scheme and realm. */
export interface ChallengeError {
  readonly error: BearerError;
  /** With `insufficient_scope`: the scope the route needs (RFC 6750 §3, RFC 6749 §3.3). */
  readonly scope?: string | undefined;
}

/** The realm a guard names when none is configured. */
export const DEFAULT_REALM = "api";

// RFC 9110 §5.6.4: a quoted-string holds tab, space and visible ASCII, `"` and `\` only
// escaped; RFC 6750 §3 narrows `error` and `scope` to visible ASCII without `"` and `\`,
// which is what a realm is held to here too, so no client's naive parser trips on it.
const isQuotable = (c: number) => c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c;

/**
 * Checks the `realm` option: 1 to 256 printable ASCII characters without `"` or `\`, so that
 * it goes into every challenge as `realm="…"` unescaped (RFC 9110 §11.5, RFC 6750 §3).
 */
export function checkRealm(value: unknown, option = "realm"): string {
  if (value === undefined) return DEFAULT_REALM;
  if (typeof value !== "string" || value.length === 0 || value.length > 256)
    throw new KeyguardConfigError(
      option,
      `expected a string of 1 to 256 characters, got ${typeof value === "string" ? `${value.length} characters` : typeof value}.`,
    );
  for (let i = 0; i < value.length; i++) {
    if (!isQuotable(value.charCodeAt(i)))
      throw new KeyguardConfigError(
        option,
        `expected printable ASCII without \`"\` or \`\\\`, as a challenge's quoted realm carries it; character ${i + 1} is ${JSON.stringify(value[i])}.`,
      );
  }
  return value;
}

/**
 * A `WWW-Authenticate` challenge (RFC 9110 §11.6.1): the scheme, then `realm` (an auth-param
 * of every scheme, §11.5, and RFC 6750 §3's "one or more auth-param values" for Bearer),
 * then, for Bearer only, the RFC 6750 §3.1 `error` and the `scope` of an
 * `insufficient_scope`. No `error_description`: the problem+json `detail` says it, in more
 * characters than RFC 6750 §3 lets that attribute hold.
 *
 * @example
 * ```ts
 * challengeFor("Bearer", "api", { error: "insufficient_scope", scope: "docs.write admin" });
 * // 'Bearer realm="api", error="insufficient_scope", scope="docs.write admin"'
 * ```
 */
export function challengeFor(
  scheme: string,
  realm: string,
  problem: ChallengeError | undefined,
): string {
  let challenge = `${scheme} realm="${realm}"`;
  if (problem === undefined || scheme.toLowerCase() !== "bearer") return challenge;
  challenge += `, error="${problem.error}"`;
  if (problem.scope !== undefined) challenge += `, scope="${problem.scope}"`;
  return challenge;
}
