import type { HeadersLike } from "../types";
import { countRawHeader, matchesIgnoringCase, readHeader } from "./headers";
import { headerCarries, isPlausibleKey } from "./key-format";

/**
 * A cookie that carries the key. A browser attaches it to every request to this site,
 * including one a page of another site makes it send (CSRF), so on an unsafe method a
 * cookie key is taken only from a same-origin request or one of `trustedOrigins`.
 */
export interface CookieKeySource {
  readonly cookie: string;
  /**
   * Other origins whose pages may send unsafe requests (POST, PUT, PATCH, DELETE, …) with
   * this cookie, exactly as browsers send `Origin`: scheme, host and port if not the default,
   * no path (`"https://app.example.com"`).
   * @default [] (only this site's own pages)
   */
  readonly trustedOrigins?: readonly string[];
}

/**
 * Where a key may be presented. Headers are always allowed; query parameters
 * and cookies leak into logs and caches, so they are used only when listed.
 */
export type KeySource =
  | { readonly header: string; readonly scheme?: string }
  | { readonly query: string }
  | CookieKeySource;

/** The request facts that key extraction looks at. */
export interface KeyRequest {
  readonly headers: HeadersLike;
  /** Node's `rawHeaders`, to refuse duplicated key headers that `headers` hides. */
  readonly rawHeaders?: readonly string[] | undefined;
  /** The request URL or path with its query string (only read for `query` sources). */
  readonly url?: string | undefined;
}

/**
 * Either the key that was presented, or why there is none to verify. `otherScheme` marks a
 * `MALFORMED_KEY` whose only credential was of another auth scheme (`Basic …`): to RFC 6750
 * §3.1 a request with no credentials of this scheme, challenged with no error code.
 */
export type KeyExtraction =
  | { readonly ok: true; readonly key: string }
  | {
      readonly ok: false;
      readonly code: "MISSING_KEY" | "MALFORMED_KEY" | "DUPLICATE_KEY";
      readonly otherScheme?: boolean;
    };

/** `Authorization: Bearer <key>`, then `X-API-Key: <key>`. */
export const DEFAULT_KEY_SOURCES: readonly KeySource[] = /* @__PURE__ */ Object.freeze([
  /* @__PURE__ */ Object.freeze({ header: "authorization", scheme: "Bearer" }),
  /* @__PURE__ */ Object.freeze({ header: "x-api-key" }),
]);

const MISSING: KeyExtraction = /* @__PURE__ */ Object.freeze({ ok: false, code: "MISSING_KEY" });
const MALFORMED: KeyExtraction = /* @__PURE__ */ Object.freeze({
  ok: false,
  code: "MALFORMED_KEY",
});
const DUPLICATE: KeyExtraction = /* @__PURE__ */ Object.freeze({
  ok: false,
  code: "DUPLICATE_KEY",
});
const OTHER_SCHEME: KeyExtraction = /* @__PURE__ */ Object.freeze({
  ok: false,
  code: "MALFORMED_KEY",
  otherScheme: true,
});

/** Validates a presented value into an extraction result. */
export function checkPresentedKey(value: string | null | undefined): KeyExtraction {
  if (value === undefined || value === null || value === "") return MISSING;
  if (typeof value !== "string" || !isPlausibleKey(value)) return MALFORMED;
  return { ok: true, key: value };
}

// RFC 9110 §11.4: credentials = auth-scheme [ 1*SP token68 ]; the scheme is case-insensitive.
function stripScheme(value: string, scheme: string): string | undefined {
  if (value.length <= scheme.length) return undefined;
  if (value.charCodeAt(scheme.length) !== 0x20) return undefined;
  if (!matchesIgnoringCase(value, 0, scheme)) return undefined;
  let start = scheme.length;
  while (value.charCodeAt(start) === 0x20) start++;
  // `Bearer ` with nothing after the spaces is the scheme alone (Headers trims it to that).
  return start < value.length ? value.slice(start) : undefined;
}

/** A source that cannot be decoded (a cookie's bad percent-encoding): refused as malformed. */
const UNUSABLE: unique symbol = /* @__PURE__ */ Symbol("unusable");
/** A source holding the key twice (`?k=A&k=B`, two cookies of one name): refused as a duplicate. */
const TWICE: unique symbol = /* @__PURE__ */ Symbol("twice");

type Found = string | typeof UNUSABLE | typeof TWICE | undefined;

function fromQuery(url: string | undefined, name: string): Found {
  if (!url) return undefined;
  const mark = url.indexOf("?");
  if (mark === -1) return undefined;
  const params = new URLSearchParams(url.slice(mark + 1));
  const all = params.getAll(name);
  if (all.length > 1) return TWICE;
  return all[0];
}

// RFC 6265 §4.1.1: cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ).
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}

function fromCookie(headers: HeadersLike, name: string): Found {
  const raw = readHeader(headers, "cookie");
  const header = Array.isArray(raw) ? raw.join("; ") : (raw as string | undefined);
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    // Two cookies of one name (`k=A; k=B`) is cookie tossing: a sibling subdomain or a
    // narrower path can plant the first one. Refused as ambiguous, like duplicate headers.
    if (found !== undefined) return TWICE;
    try {
      found = decodeURIComponent(unquote(part.slice(eq + 1).trim()));
    } catch {
      return UNUSABLE;
    }
  }
  return found;
}

// Two headers of one name reach Web-standard runtimes joined by ", " (RFC 9110 §5.3), and a
// comma separates credentials (§11.6.2): a comma in a Bearer credential (token68 has none), or
// ", " in a header of its own, is the key presented twice, as two raw headers are.
function joinsTwo(value: string, afterScheme: boolean): boolean {
  return afterScheme ? value.includes(",") : value.includes(", ");
}

/**
 * Finds the API key in a request. Sources are tried in order and the first one
 * present decides: a present but unusable value is refused and is never sent to Unkey.
 * `DUPLICATE_KEY` when the key is presented more than once: a repeated header, query
 * parameter or cookie, a comma in a Bearer credential, `", "` in a header of its own
 * (see `joinsTwo`). `MALFORMED_KEY` for what Unkey would refuse (empty, over 512
 * characters) or what the source cannot carry as the client meant it (see
 * `headerCarries`): a scheme without a key, a control or non-ASCII character in a
 * header, a space in a Bearer credential.
 *
 * A header with another scheme (say `Authorization: Basic …`) is skipped so a
 * later source can still supply the key; if none does, it is `MALFORMED_KEY`.
 * It knows nothing of the request's method or origin: a guard (`createGuard`)
 * is what refuses a cookie key on an unsafe cross-site request.
 *
 * @example
 * ```ts
 * extractKey({ headers: new Headers({ authorization: "Bearer sk_123" }) });
 * // { ok: true, key: "sk_123" }
 * extractKey({ headers: { authorization: "Bearer a b" } });
 * // { ok: false, code: "MALFORMED_KEY" }: a Bearer credential is one token
 * extractKey({ headers: { authorization: "Bearer a, Bearer b" } });
 * // { ok: false, code: "DUPLICATE_KEY" }: two headers, joined
 * ```
 */
export function extractKey(
  request: KeyRequest,
  sources: readonly KeySource[] = DEFAULT_KEY_SOURCES,
): KeyExtraction {
  let sawOtherScheme = false;
  for (const source of sources) {
    let value: Found;
    if ("header" in source) {
      const raw = readHeader(request.headers, source.header);
      if (raw === undefined || raw === "") continue;
      if (typeof raw !== "string") return DUPLICATE; // the header was sent more than once
      if (request.rawHeaders && countRawHeader(request.rawHeaders, source.header) > 1) {
        return DUPLICATE;
      }
      if (source.scheme === undefined) {
        value = raw;
      } else {
        value = stripScheme(raw, source.scheme);
        if (value === undefined) {
          // `Bearer` alone is a malformed attempt at this source; `Basic …` belongs to someone else.
          if (raw.trim().toLowerCase() === source.scheme.toLowerCase()) return MALFORMED;
          sawOtherScheme = true;
          continue;
        }
      }
      if (value === "") continue;
      const afterScheme = source.scheme !== undefined;
      if (joinsTwo(value, afterScheme)) return DUPLICATE;
      return headerCarries(value, afterScheme) ? { ok: true, key: value } : MALFORMED;
    }
    // A query parameter or a cookie is percent-decoded: it can carry any key Unkey takes.
    value =
      "query" in source
        ? fromQuery(request.url, source.query)
        : fromCookie(request.headers, source.cookie);
    if (value === TWICE) return DUPLICATE;
    if (value === UNUSABLE) return MALFORMED;
    if (value === undefined || value === "") continue;
    return isPlausibleKey(value) ? { ok: true, key: value } : MALFORMED;
  }
  return sawOtherScheme ? OTHER_SCHEME : MISSING;
}
