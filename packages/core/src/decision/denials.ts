import { type KeyguardError, VerifierError } from "../errors";
import { DEFAULT_KEY_SOURCES } from "../extract/extract-key";
import { type KeyPresentation, presentationOf } from "../extract/key-presentation";
import type { RatelimitState, VerifyResult } from "../types";
import { REGISTERED_PROBLEM_TYPES } from "./problem-types";

/** Every reason a guard refuses a request. */
export type DenialCode =
  | "MISSING_KEY"
  | "MALFORMED_KEY"
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
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: DenialCode;
  /** Unkey's request id, to quote when asking Unkey's support. */
  readonly requestId?: string;
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
    title: "Too Many Requests",
    detail: "The API key's rate limit is exceeded.",
  },
  USAGE_EXCEEDED: {
    status: 429,
    title: "Too Many Requests",
    detail: "The API key has no usage credits left.",
  },
  FAILURE_BUDGET_EXCEEDED: {
    status: 429,
    title: "Too Many Requests",
    detail:
      "Too many requests from this address presented unknown or malformed API keys. Try again after the time in Retry-After.",
  },
  VERIFIER_UNAVAILABLE: {
    status: 503,
    title: "Service Unavailable",
    detail: "The API key could not be verified right now. Try again shortly.",
  },
  VERIFIER_MISCONFIGURED: {
    status: 500,
    title: "Internal Server Error",
    detail: "API key verification is misconfigured on this server.",
  },
  RATELIMIT_UNAVAILABLE: {
    status: 503,
    title: "Service Unavailable",
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
export const DEFAULT_PRESENTATION: KeyPresentation = presentationOf(DEFAULT_KEY_SOURCES);

function challengeFor(code: DenialCode, scheme: string | undefined): Record<string, string> {
  if (scheme === undefined) return {};
  // RFC 6750 §3: no error code when no credentials were sent at all; the
  // `invalid_token` error belongs to Bearer, other schemes get their name alone.
  const bearer = scheme.toLowerCase() === "bearer";
  const challenge = code !== "MISSING_KEY" && bearer ? `${scheme} error="invalid_token"` : scheme;
  return { "www-authenticate": challenge };
}

function headersFor(
  code: DenialCode,
  details: { result?: VerifyResult; error?: KeyguardError; now?: number },
  presentation: KeyPresentation,
) {
  const status = DENIALS[code].status;
  if (status === 401) return { ...PROBLEM_HEADERS, ...challengeFor(code, presentation.challenge) };
  if (code === "RATE_LIMITED") {
    const limits = details.result?.ratelimits;
    return { ...PROBLEM_HEADERS, ...ratelimitHeaders(limits, details.now ?? Date.now(), true) };
  }
  if (status === 503) {
    const seconds = details.error instanceof VerifierError ? details.error.retryAfterSeconds : 1;
    return { ...PROBLEM_HEADERS, "retry-after": String(seconds) };
  }
  return PROBLEM_HEADERS;
}

/** The explanation of a denial, naming this guard's key sources for the two about presenting it. */
function detailFor(code: DenialCode, presentation: KeyPresentation): string {
  if (presentation === DEFAULT_PRESENTATION) return DENIALS[code].detail;
  if (code === "MISSING_KEY") return `No API key was presented. Send it as ${presentation.where}.`;
  if (code === "MALFORMED_KEY")
    return `The API key is malformed: expected it once, as ${presentation.where}, of 1 to 512 characters (printable ASCII in a header; one token after an auth scheme).`;
  return DENIALS[code].detail;
}

/**
 * `RateLimit-*` headers (IETF httpapi-ratelimit-headers) for the most
 * constrained limit, plus `Retry-After` (RFC 9110 §10.2.3) when it is exceeded.
 */
export function ratelimitHeaders(
  limits: readonly RatelimitState[] | undefined,
  now: number,
  exceededOnly: boolean,
): Record<string, string> {
  let pick: RatelimitState | undefined;
  for (const limit of limits ?? []) {
    if (exceededOnly && !limit.exceeded) continue;
    if (!pick || limit.remaining < pick.remaining || (limit.exceeded && limit.reset > pick.reset))
      pick = limit;
  }
  if (!pick || pick.reset <= 0) return {};
  const seconds = String(Math.max(1, Math.ceil((pick.reset - now) / 1000)));
  const headers: Record<string, string> = {
    "ratelimit-limit": String(pick.limit),
    "ratelimit-remaining": String(Math.max(0, pick.remaining)),
    "ratelimit-reset": seconds,
  };
  if (pick.exceeded) headers["retry-after"] = seconds;
  return headers;
}

/** Builds the refusal for `code`, with its status, problem+json body and headers. */
export function deny(
  code: DenialCode,
  details: {
    result?: VerifyResult;
    error?: KeyguardError;
    now?: number;
    presentation?: KeyPresentation;
    /** Replaces the table's explanation (a route's own rate limit is not the key's). */
    detail?: string;
    /** Replaces the headers the table would send (besides the problem+json ones). */
    headers?: Readonly<Record<string, string>>;
  } = {},
): Deny {
  const { status, title } = DENIALS[code];
  const presentation = details.presentation ?? DEFAULT_PRESENTATION;
  // Only an answer Unkey gave now has an id worth quoting: cached answers carry none.
  const requestId =
    details.result?.requestId ??
    (details.error instanceof VerifierError ? details.error.requestId : undefined);
  const body: ProblemDetails = {
    type:
      REGISTERED_PROBLEM_TYPES[code] ??
      `urn:keyguard:problem:${code.toLowerCase().replaceAll("_", "-")}`,
    title,
    status,
    detail: details.detail ?? detailFor(code, presentation),
    code,
    ...(requestId ? { requestId } : {}),
  };
  return {
    allowed: false,
    status,
    code,
    body,
    headers:
      details.headers === undefined
        ? headersFor(code, details, presentation)
        : { ...PROBLEM_HEADERS, ...details.headers },
    result: details.result,
    error: details.error,
  };
}
