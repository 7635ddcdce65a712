import { type KeyguardError, VerifierError } from "../errors";
import { DEFAULT_KEY_SOURCES } from "../extract/extract-key";
import { presentationOf } from "../extract/key-presentation";
import type { VerifyResult } from "../types";
import { type AnswerStyle, defaultStyleOf } from "./answer-style";
import { type BearerError, challengeFor } from "./challenge";
import { quotasOf, violatedPolicies } from "./key-quotas";
import { problemTypeOf } from "./problem-types";
import { type QuotaState, ratelimitFields } from "./ratelimit-fields";

/** Every reason a guard refuses a request. */
export type DenialCode =
  | "MISSING_KEY"
  | "MALFORMED_KEY"
  | "DUPLICATE_KEY"
  | "NOT_FOUND"
  | "EXPIRED"
  | "DISABLED"
  | "INVALID_KEY"
  | "FORBIDDEN"
  | "INSUFFICIENT_PERMISSIONS"
  | "MISSING_RATELIMIT"
  | "CROSS_SITE_REQUEST"
  | "RATE_LIMITED"
  | "USAGE_EXCEEDED"
  | "FAILURE_BUDGET_EXCEEDED"
  | "VERIFIER_UNAVAILABLE"
  | "VERIFIER_MISCONFIGURED"
  | "RATELIMIT_UNAVAILABLE"
  | "RATELIMIT_MISCONFIGURED"
  | "GUARD_MISSING"
  | "GUARDED_TWICE";

/** An RFC 9457 problem details body. It never contains the presented key. */
export interface ProblemDetails {
  /** IANA's `quota-exceeded` or `abnormal-usage-detected` (429), `temporary-reduced-capacity` (503), else `urn:keyguard:problem:<code>`. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: DenialCode;
  /** Unkey's request id, to quote when asking Unkey's support. */
  readonly requestId?: string;
  /** With `quota-exceeded`: the policies of `RateLimit-Policy` that refused (draft-ietf-httpapi-ratelimit-headers-10 §5.1). */
  readonly "violated-policies"?: readonly string[];
  /** With 403 `INSUFFICIENT_PERMISSIONS` and `exposeMissingPermissions`: what the key lacks of the route's query. */
  readonly missingPermissions?: readonly string[];
}

/** Refuse the request with `status`, `headers` and the problem+json `body`. */
export interface Deny {
  readonly allowed: false;
  readonly status: number;
  readonly code: DenialCode;
  readonly body: ProblemDetails;
  readonly headers: Readonly<Record<string, string>>;
  readonly result?: VerifyResult;
  /** The verifier failure behind a `VERIFIER_*` denial (always present on those). */
  readonly error?: KeyguardError;
}

/** The decision table: status, title and explanation of every denial, in one place. */
export const DENIALS: Readonly<
  Record<DenialCode, { status: number; title: string; detail: string }>
> = {
  MISSING_KEY: {
    status: 401,
    title: "Unauthorized",
    detail:
      "No API key was presented. Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
  },
  MALFORMED_KEY: {
    status: 401,
    title: "Unauthorized",
    detail:
      "The API key header is malformed: expected one `Authorization: Bearer <key>` (the key as one token: no spaces or commas) or one `X-API-Key: <key>`, of 1 to 512 printable ASCII characters.",
  },
  // RFC 6750 §3.1: a request that "repeats the same parameter" is `invalid_request`, which
  // "SHOULD" be 400: which key the client meant is unknown, and no other key would mend it.
  DUPLICATE_KEY: {
    status: 400,
    title: "Bad Request",
    detail:
      "The API key was presented more than once (a repeated header, query parameter or cookie, or a comma-separated list): send exactly one key.",
  },
  NOT_FOUND: {
    status: 401,
    title: "Unauthorized",
    detail: "The API key does not exist or has been deleted.",
  },
  EXPIRED: { status: 401, title: "Unauthorized", detail: "The API key has expired." },
  DISABLED: { status: 401, title: "Unauthorized", detail: "The API key is disabled." },
  INVALID_KEY: { status: 401, title: "Unauthorized", detail: "The API key was not accepted." },
  FORBIDDEN: {
    status: 403,
    title: "Forbidden",
    detail: "The API key may not be used for this API.",
  },
  INSUFFICIENT_PERMISSIONS: {
    status: 403,
    title: "Forbidden",
    detail: "The API key lacks the permissions this route requires.",
  },
  MISSING_RATELIMIT: {
    status: 403,
    title: "Forbidden",
    detail:
      "The API key has no rate limit of a name this route applies, so it may not use this route.",
  },
  CROSS_SITE_REQUEST: {
    status: 403,
    title: "Forbidden",
    detail:
      "The API key came in a cookie on a cross-site request: a cookie key is accepted on POST, PUT, PATCH, DELETE and other unsafe methods only from this site's own pages (`Sec-Fetch-Site: same-origin`, or an `Origin` of this host) or a trusted origin.",
  },
  RATE_LIMITED: {
    status: 429,
    title: "Quota Exceeded",
    detail: "The API key's rate limit is exceeded.",
  },
  USAGE_EXCEEDED: {
    status: 429,
    title: "Quota Exceeded",
    detail: "The API key has no usage credits left.",
  },
  FAILURE_BUDGET_EXCEEDED: {
    status: 429,
    title: "Abnormal Usage Detected",
    detail:
      "Too many requests from this address presented unknown or malformed API keys. Try again after the time in Retry-After.",
  },
  VERIFIER_UNAVAILABLE: {
    status: 503,
    title: "Temporary Reduced Capacity",
    detail: "The API key could not be verified right now. Try again shortly.",
  },
  VERIFIER_MISCONFIGURED: {
    status: 500,
    title: "Internal Server Error",
    detail: "API key verification is misconfigured on this server.",
  },
  RATELIMIT_UNAVAILABLE: {
    status: 503,
    title: "Temporary Reduced Capacity",
    detail: "The rate limit could not be checked right now. Try again shortly.",
  },
  RATELIMIT_MISCONFIGURED: {
    status: 500,
    title: "Internal Server Error",
    detail: "Rate limiting is misconfigured on this server.",
  },
  // The two below are the server's own route set-up, never the request: a 401 or 403 would
  // send the client looking for a fault in its key.
  GUARD_MISSING: {
    status: 500,
    title: "Internal Server Error",
    detail:
      "This route checks the API key's permissions, but no API key guard verified the request first: the server's routes are set up wrong. Put unkey() before requirePermissions().",
  },
  GUARDED_TWICE: {
    status: 500,
    title: "Internal Server Error",
    detail:
      "Two API key guards would verify this request, charging the key's credits and rate limits twice: the server's routes are set up wrong.",
  },
};

/** The header that flags a request let through unverified by `failureMode: "open"`. */
export const FAIL_OPEN_HEADER = "x-keyguard-fail-open";

const PROBLEM_HEADERS = { "content-type": "application/problem+json", "cache-control": "no-store" };

/** The presentation of the default sources: `Authorization: Bearer`, then `X-API-Key`. */
export const DEFAULT_PRESENTATION: AnswerStyle = /* @__PURE__ */ defaultStyleOf(
  /* @__PURE__ */ presentationOf(DEFAULT_KEY_SOURCES),
);

/** What a denial may say besides its code; everything is optional. */
export interface DenialDetails {
  result?: VerifyResult | undefined;
  error?: KeyguardError | undefined;
  now?: number | undefined;
  /** The guard's way of answering (where it reads keys, realm, fields); the defaults when absent. */
  style?: AnswerStyle | undefined;
  /** Replaces the table's explanation (a route's own rate limit is not the key's). */
  detail?: string | undefined;
  /** Replaces the headers the table would send (besides the problem+json ones). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** The quota policies behind a 429 of a rate limiter (a key's come from `result`). */
  quotas?: readonly QuotaState[] | undefined;
  /** With `INSUFFICIENT_PERMISSIONS`: the route's scope, for the challenge. */
  scope?: string | undefined;
  /** With `INSUFFICIENT_PERMISSIONS`: what the key lacks, listed when the style exposes it. */
  missing?: readonly string[] | undefined;
  /** With `MALFORMED_KEY`: the only credential was of another auth scheme (`Basic …`). */
  otherScheme?: boolean | undefined;
  /** With `FAILURE_BUDGET_EXCEEDED`: whole seconds until the address's window ends (`Retry-After`). */
  retryAfterSeconds?: number | undefined;
}

// RFC 6750 §3.1: the error each denial is to the bearer of the key, if any. `MISSING_KEY`
// has none ("If the request lacks any authentication information … SHOULD NOT include an
// error code"), nor do the 403s that are not about the key's privileges (an IP allow-list,
// a cross-site cookie, a rate limit the key lacks): those get no challenge at all.
const BEARER_ERRORS: Partial<Record<DenialCode, BearerError>> = {
  MALFORMED_KEY: "invalid_token",
  DUPLICATE_KEY: "invalid_request",
  NOT_FOUND: "invalid_token",
  EXPIRED: "invalid_token",
  DISABLED: "invalid_token",
  INVALID_KEY: "invalid_token",
  INSUFFICIENT_PERMISSIONS: "insufficient_scope",
};

function challengeHeaders(
  code: DenialCode,
  details: DenialDetails,
  style: AnswerStyle,
): Record<string, string> {
  const scheme = style.challenge;
  const error = BEARER_ERRORS[code];
  const challenged = code === "MISSING_KEY" || error !== undefined;
  if (scheme === undefined || !challenged) return {};
  // A credential of another scheme is a request with no credentials for this one (§3.1).
  const problem =
    error === undefined || (code === "MALFORMED_KEY" && details.otherScheme)
      ? undefined
      : { error, scope: error === "insufficient_scope" ? details.scope : undefined };
  return { "www-authenticate": challengeFor(scheme, style.realm, problem) };
}

/** The quota policies a denial reports: a rate limiter's, or those of Unkey's answer (never on a 401). */
function quotasFor(code: DenialCode, details: DenialDetails): readonly QuotaState[] {
  if (details.quotas !== undefined) return details.quotas;
  if (details.result === undefined || DENIALS[code].status === 401) return [];
  return quotasOf(details.result);
}

function headersFor(
  code: DenialCode,
  details: DenialDetails,
  style: AnswerStyle,
  quotas: readonly QuotaState[],
): Record<string, string> {
  const headers: Record<string, string> = {
    ...PROBLEM_HEADERS,
    ...challengeHeaders(code, details, style),
  };
  if (DENIALS[code].status === 503) {
    const seconds = details.error instanceof VerifierError ? details.error.retryAfterSeconds : 1;
    headers["retry-after"] = String(seconds);
  }
  if (details.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(details.retryAfterSeconds);
  if (quotas.length === 0) return headers;
  const now = details.now ?? Date.now();
  return { ...headers, ...ratelimitFields(quotas, now, style.ratelimitHeaders) };
}

/** The explanation of a denial, naming this guard's key sources for the two about presenting it. */
function detailFor(code: DenialCode, style: AnswerStyle): string {
  if (style.where === DEFAULT_PRESENTATION.where) return DENIALS[code].detail;
  if (code === "MISSING_KEY") return `No API key was presented. Send it as ${style.where}.`;
  if (code === "MALFORMED_KEY")
    return `The API key is malformed: expected it once, as ${style.where}, of 1 to 512 characters (printable ASCII in a header; one token after an auth scheme).`;
  if (code === "DUPLICATE_KEY")
    return `The API key was presented more than once: send exactly one key, as ${style.where}.`;
  return DENIALS[code].detail;
}

/** The problem+json body: the type and title (IANA's where registered), the members that apply. */
function bodyFor(
  code: DenialCode,
  details: DenialDetails,
  style: AnswerStyle,
  quotas: readonly QuotaState[],
): ProblemDetails {
  const { status, title } = DENIALS[code];
  // Only an answer Unkey gave now has an id worth quoting: cached answers carry none.
  const requestId =
    details.result?.requestId ??
    (details.error instanceof VerifierError ? details.error.requestId : undefined);
  const violated = status === 429 ? violatedPolicies(quotas) : [];
  return {
    ...problemTypeOf(code, title),
    status,
    detail: details.detail ?? detailFor(code, style),
    code,
    ...(requestId ? { requestId } : {}),
    ...(violated.length > 0 ? { "violated-policies": violated } : {}),
    ...(details.missing !== undefined && style.exposeMissingPermissions
      ? { missingPermissions: details.missing }
      : {}),
  };
}

/** Builds the refusal for `code`, with its status, problem+json body and headers. */
export function deny(code: DenialCode, details: DenialDetails = {}): Deny {
  const style = details.style ?? DEFAULT_PRESENTATION;
  const quotas = quotasFor(code, details);
  return {
    allowed: false,
    status: DENIALS[code].status,
    code,
    body: bodyFor(code, details, style, quotas),
    headers:
      details.headers === undefined
        ? headersFor(code, details, style, quotas)
        : { ...PROBLEM_HEADERS, ...details.headers },
    result: details.result,
    error: details.error,
  };
}
