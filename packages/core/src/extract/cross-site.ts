import {
  type CookieKeySource,
  extractKey,
  type KeyExtraction,
  type KeyRequest,
  type KeySource,
} from "./extract-key";
import { readHeader } from "./headers";

// A browser attaches cookies to every request to their site, including the form post or
// fetch a page of another site makes it send: a key read from a cookie would let that
// page act with the victim's key (CSRF). Header keys are never attached by the browser
// itself, and query keys would have to be known to the forging page.

/** The request facts the cookie gate reads: a key request and its method. */
export interface GatedRequest extends KeyRequest {
  readonly method?: string | undefined;
}

/** A key extraction, or the refusal of a cookie key on a cross-site request. */
export type GatedExtraction =
  | KeyExtraction
  | { readonly ok: false; readonly code: "CROSS_SITE_REQUEST" };

/** A guard's cookie sources, split once at start-up for {@link extractGated}. */
export interface CookieGate {
  readonly sources: readonly KeySource[];
  /** What an unsafe request from an untrusted site may read: the sources but the cookies. */
  readonly withoutCookies: readonly KeySource[];
  /** Every origin one of the cookie sources trusts. */
  readonly trusted: ReadonlySet<string>;
}

const CROSS_SITE: GatedExtraction = /* @__PURE__ */ Object.freeze({
  ok: false,
  code: "CROSS_SITE_REQUEST",
});

const isCookie = (source: KeySource): source is CookieKeySource => "cookie" in source;

/** The gate for these sources, or undefined when none is a cookie (nothing to gate). */
export function cookieGateOf(sources: readonly KeySource[]): CookieGate | undefined {
  const cookies = sources.filter(isCookie);
  if (cookies.length === 0) return undefined;
  return Object.freeze({
    sources,
    withoutCookies: Object.freeze(sources.filter((source) => !isCookie(source))),
    trusted: new Set(cookies.flatMap((source) => source.trustedOrigins ?? [])),
  });
}

/**
 * RFC 9110 §9.2.1: GET, HEAD and OPTIONS are safe (read-only), so a forged one changes
 * nothing. Method names are case-sensitive (§9.1): `get` is not GET. An unknown method
 * counts as unsafe.
 */
export function isSafeMethod(method: string | undefined): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

// A Host header's value (RFC 9110 §7.2): a host name, IPv4 or bracketed IPv6, and a port.
const AUTHORITY = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The host and port the request was sent to: `Host`, HTTP/2's `:authority`, or the URL's. */
function ownHost(request: KeyRequest): string | undefined {
  const host = readHeader(request.headers, "host") ?? readHeader(request.headers, ":authority");
  if (typeof host === "string" && host !== "") return host;
  const { url } = request;
  if (url === undefined || !/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/**
 * Whether `origin` (an `Origin` header, RFC 6454 §7) names the host the request was sent
 * to. The scheme is not compared: behind a TLS-terminating proxy the server cannot tell
 * its own, and only browsers too old for `Sec-Fetch-Site` get here (Go's
 * `http.CrossOriginProtection` draws the same line).
 */
function originIsOwnHost(origin: string, host: string | undefined): boolean {
  if (host === undefined || !AUTHORITY.test(host)) return false;
  // What a browser sends for its own page, compared without parsing two URLs.
  if (origin === `https://${host}` || origin === `http://${host}`) return true;
  try {
    const from = new URL(origin);
    // RFC 6454 §6.1: the serialized origin omits its scheme's default port; a Host may not.
    return from.origin === origin && from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false; // `null` (a sandboxed page, a cross-origin redirect) or garbage
  }
}

/**
 * Whether a browser may have sent this request on behalf of another site's page.
 * Fetch Metadata (W3C, §2.4): `Sec-Fetch-Site: same-origin` is this site's own page and
 * `none` a request the user made (address bar, bookmark); `same-site` (a sibling
 * subdomain) and `cross-site` are others. Browsers without it (Firefox 70–89, Safari
 * before 16.4) send `Origin` on a cross-origin POST (Fetch standard, "append a request
 * `Origin` header"), compared here with `Host`. A request with neither header comes from
 * no browser (curl, a server, a mobile app): not a CSRF vector, so not cross-site.
 */
export function isCrossSite(request: KeyRequest): boolean {
  const site = readHeader(request.headers, "sec-fetch-site");
  if (site !== undefined) return site !== "same-origin" && site !== "none";
  const origin = readHeader(request.headers, "origin");
  if (origin === undefined) return false;
  return typeof origin !== "string" || !originIsOwnHost(origin, ownHost(request));
}

/** On an unsafe cross-site request: the sources but the cookies not trusting its origin. */
function readableSources(request: KeyRequest, gate: CookieGate): readonly KeySource[] {
  const origin = readHeader(request.headers, "origin");
  if (typeof origin !== "string" || !gate.trusted.has(origin)) return gate.withoutCookies;
  return gate.sources.filter(
    (source) => !isCookie(source) || source.trustedOrigins?.includes(origin) === true,
  );
}

/**
 * Extracts the key as {@link extractKey} does, except that on an unsafe method (RFC 9110
 * §9.2.1) from another site a cookie source is read only if it trusts the request's
 * `Origin`: such a request uses its other sources (a header key was set by a script on
 * purpose), and one whose only key is such a cookie is refused as `CROSS_SITE_REQUEST`,
 * which says why better than a 401 "no key" would.
 *
 * @example
 * ```ts
 * const gate = cookieGateOf([{ cookie: "api_key" }]);
 * extractGated({ method: "POST", headers: { cookie: "api_key=sk_1", "sec-fetch-site": "cross-site" } }, gate);
 * // { ok: false, code: "CROSS_SITE_REQUEST" }
 * ```
 */
export function extractGated(request: GatedRequest, gate: CookieGate): GatedExtraction {
  if (isSafeMethod(request.method) || !isCrossSite(request))
    return extractKey(request, gate.sources);
  const readable = readableSources(request, gate);
  const extraction = extractKey(request, readable);
  if (extraction.ok || readable.length === gate.sources.length) return extraction;
  const refused = gate.sources.filter((source) => !readable.includes(source));
  const cookie = extractKey(request, refused);
  // Only a cookie that was there (even malformed) is the reason; without one, "no key" is.
  return !cookie.ok && cookie.code === "MISSING_KEY" ? extraction : CROSS_SITE;
}
