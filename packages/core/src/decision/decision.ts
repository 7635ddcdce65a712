import { KeyguardError, VerifierError } from "../errors";
import type { GatedExtraction } from "../extract/cross-site";
import type { PermissionQuery } from "../permissions/permission-query";
import { missingPermissions, scopeOf } from "../permissions/permission-scope";
import type { FailureMode, KeyContext, VerifyResult } from "../types";
import { type AnswerStyle, markStyle } from "./answer-style";
import {
  DEFAULT_PRESENTATION,
  type DenialCode,
  type Deny,
  deny,
  FAIL_OPEN_HEADER,
} from "./denials";
import { markIssuer } from "./issuer";
import { quotasOf } from "./key-quotas";
import { ratelimitFields } from "./ratelimit-fields";

/** Let the request through; `context` is undefined only for an unguarded CORS preflight. */
export interface Allow {
  readonly allowed: true;
  readonly context: KeyContext | undefined;
  /** Headers to add to the response (rate-limit state, fail-open flag). */
  readonly headers: Readonly<Record<string, string>>;
  readonly result?: VerifyResult;
}

/** What a guard decided about one request. */
export type Decision = Allow | Deny;

const EMPTY_HEADERS: Readonly<Record<string, string>> = /* @__PURE__ */ Object.freeze({});

const CODE_DENIALS: Readonly<Record<string, DenialCode>> = {
  MALFORMED_KEY: "MALFORMED_KEY",
  NOT_FOUND: "NOT_FOUND",
  EXPIRED: "EXPIRED",
  DISABLED: "DISABLED",
  FORBIDDEN: "FORBIDDEN",
  INSUFFICIENT_PERMISSIONS: "INSUFFICIENT_PERMISSIONS",
  MISSING_RATELIMIT: "MISSING_RATELIMIT",
  RATE_LIMITED: "RATE_LIMITED",
  USAGE_EXCEEDED: "USAGE_EXCEEDED",
};

/**
 * A guard as the contexts it lets in name it (see issuer.ts), with its own memo of allow
 * decisions: a cache hit allocates nothing, and yet two guards sharing one verifier (one
 * cache) hand out contexts that say which of them verified the key.
 */
export interface Issuer {
  readonly name: string;
  readonly allows: WeakMap<VerifyResult, Allow>;
  readonly failOpen: Allow;
  /** How the guard answers; every context it issues carries it to `requirePermissions()`. */
  readonly style: AnswerStyle;
}

/** The issuer for a guard named `name` (`unkey()`, `unkey({ cost: 5 })`, …). */
export function createIssuer(name: string, style: AnswerStyle = DEFAULT_PRESENTATION): Issuer {
  const context = markStyle(
    markIssuer(
      { keyId: "", roles: Object.freeze([]), permissions: Object.freeze([]), source: "fail-open" },
      name,
    ),
    style,
  );
  const failOpen: Allow = Object.freeze({
    allowed: true,
    context: Object.freeze(context) as KeyContext,
    headers: Object.freeze({ [FAIL_OPEN_HEADER]: "true" }),
  });
  return { name, allows: new WeakMap(), failOpen, style };
}

/** The issuer of decisions made outside any guard. */
const ANONYMOUS = /* @__PURE__ */ createIssuer("keyguard");

/** The context a handler sees for a valid result. */
export function contextOf(result: VerifyResult): KeyContext {
  return allowOf(result, undefined, ANONYMOUS).context as KeyContext;
}

function allowOf(result: VerifyResult, now: number | undefined, issuer: Issuer): Allow {
  const memo = issuer.allows.get(result);
  if (memo !== undefined) return memo;
  const context = {
    keyId: result.keyId ?? "",
    name: result.name,
    meta: result.meta,
    roles: result.roles,
    permissions: result.permissions,
    identity: result.identity,
    credits: result.credits,
    expires: result.expires,
    ratelimits: result.ratelimits,
    source: result.source === "local" ? "upstream" : result.source,
  } satisfies KeyContext;
  // The key's rate limits and credits, as RateLimit-Policy / RateLimit on the allowed answer too.
  const quotas = quotasOf(result);
  const headers =
    quotas.length > 0
      ? ratelimitFields(quotas, now ?? Date.now(), issuer.style.ratelimitHeaders)
      : EMPTY_HEADERS;
  const allow: Allow = Object.freeze({
    allowed: true,
    context: Object.freeze(markStyle(markIssuer(context, issuer.name), issuer.style)),
    headers,
    result,
  });
  // Rate-limit headers depend on the time, so only header-less decisions are shared.
  if (headers === EMPTY_HEADERS) issuer.allows.set(result, allow);
  return allow;
}

/**
 * The decision for a request whose key could not be extracted: 401
 * `MISSING_KEY` or `MALFORMED_KEY`, worded for the guard's key sources, or 403
 * `CROSS_SITE_REQUEST` for a cookie key another site's page may have sent.
 */
export function fromExtraction(
  extraction: Extract<GatedExtraction, { ok: false }>,
  style?: AnswerStyle,
): Deny {
  const otherScheme = extraction.code === "MALFORMED_KEY" ? extraction.otherScheme : undefined;
  return deny(extraction.code, { style, otherScheme });
}

/**
 * The 403 for a key that fails the route's query: an `insufficient_scope` challenge naming
 * what the query asks, and what the key lacks when the guard exposes it.
 */
export function insufficientPermissions(
  query: PermissionQuery | undefined,
  granted: ReadonlySet<string> | readonly string[],
  style: AnswerStyle | undefined,
  result?: VerifyResult,
): Deny {
  const scope = query === undefined ? undefined : scopeOf(query);
  const missing =
    query !== undefined && style?.exposeMissingPermissions
      ? missingPermissions(query, granted)
      : undefined;
  return deny("INSUFFICIENT_PERMISSIONS", { result, style, scope, missing });
}

/**
 * The decision for a verification: allow with the key's context, or deny per
 * the status table (401 unknown, expired, disabled; 403 forbidden or missing
 * permissions, the latter challenging for `query`'s scope; 429 rate limited or out of
 * credits, IANA's `quota-exceeded` with `RateLimit-Policy`, `RateLimit` and, where a
 * refusing limit resets, `Retry-After`). An allow from the cache is shared and reads no clock.
 *
 * @example
 * ```ts
 * const decision = fromResult(await verifier.verify(key));
 * if (!decision.allowed) return new Response(JSON.stringify(decision.body), decision);
 * ```
 */
export function fromResult(
  result: VerifyResult,
  style?: AnswerStyle,
  now?: number,
  issuer: Issuer = ANONYMOUS,
  query?: PermissionQuery,
): Decision {
  if (result.valid) return allowOf(result, now, issuer);
  const code = CODE_DENIALS[result.code] ?? "INVALID_KEY";
  if (code === "INSUFFICIENT_PERMISSIONS")
    return insufficientPermissions(query, result.permissions, style, result);
  const detail =
    result.missingRatelimit === undefined
      ? undefined
      : `The API key has no rate limit named ${JSON.stringify(result.missingRatelimit)}, which this route applies, so it may not use this route.`;
  return deny(code, { result, now: now ?? Date.now(), style, detail });
}

/**
 * The decision when the verifier could not answer: 500 when Unkey refused the
 * root key, else 503 with `Retry-After`. Under `failureMode: "open"`, an outage
 * lets requests through to routes without a permission query, `cost` or
 * `ratelimits`, flagged by `context.source === "fail-open"` and
 * `x-keyguard-fail-open: true`. Strict routes still answer 503: an outage never
 * grants permissions, nor unmetered use of a metered route.
 * Nor does Unkey's own 429 (the workspace's rate limit, which a flood of random
 * keys can trigger): that is a 503 with Unkey's `Retry-After` (at most an
 * hour), never a pass; nor a failure while Unkey still answered another call
 * within `timeoutMs` (an attacker slowing this process down with random keys
 * must not be able to declare an outage). Every `VERIFIER_*` denial carries its `error`.
 */
export function fromFailure(
  failure: unknown,
  options: {
    failureMode?: FailureMode;
    /** The route checks permissions or meters (`cost`, `ratelimits`): never let through unverified. */
    strict?: boolean;
    /** The guard deciding, named on the fail-open context. */
    issuer?: Issuer;
  } = {},
): Decision {
  const error =
    failure instanceof KeyguardError
      ? failure
      : new VerifierError("VERIFIER_UNAVAILABLE", "The verifier failed unexpectedly.", {
          cause: failure,
        });
  if (error.code === "VERIFIER_MISCONFIGURED") return deny("VERIFIER_MISCONFIGURED", { error });
  // Neither Unkey's own 429 nor a failure while Unkey answers other calls is an outage.
  const outage = !(error instanceof VerifierError) || error.outage;
  if (options.failureMode === "open" && !options.strict && outage)
    return (options.issuer ?? ANONYMOUS).failOpen;
  return deny("VERIFIER_UNAVAILABLE", { error });
}
