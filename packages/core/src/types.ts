import type { PermissionQuery } from "./permissions/permission-query";

/** The codes Unkey's `keys.verifyKey` answers with. */
export type UnkeyVerifyCode =
  | "VALID"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "INSUFFICIENT_PERMISSIONS"
  | "USAGE_EXCEEDED"
  | "RATE_LIMITED"
  | "DISABLED"
  | "EXPIRED";

/**
 * A verification's code: one of Unkey's, `MALFORMED_KEY` for a value refused
 * locally, `MISSING_RATELIMIT` when Unkey refused to verify because the key (and its
 * identity) has no rate limit of a name the request applies (its HTTP 412), or `UNKNOWN`
 * for a code this version does not know (never valid).
 */
export type VerifyCode = UnkeyVerifyCode | "MALFORMED_KEY" | "MISSING_RATELIMIT" | "UNKNOWN";

/** One rate limit as Unkey reports it; `reset` is an absolute Unix time in ms. */
export interface RatelimitState {
  readonly id?: string | undefined;
  readonly name: string;
  readonly exceeded: boolean;
  readonly limit: number;
  readonly remaining: number;
  readonly duration: number;
  readonly reset: number;
  readonly autoApply: boolean;
}

/** The identity a key belongs to, when it has one; `meta` as {@link Register} declares it. */
export interface Identity {
  readonly id: string;
  readonly externalId: string;
  readonly meta?: Readonly<IdentityMeta> | undefined;
  readonly ratelimits?: readonly unknown[] | undefined;
}

/**
 * Where an answer came from; the one vocabulary of `VerifyResult.source`,
 * `KeyContext.source` and the `keyguard:decision` channel (which adds `"fail-open"`).
 */
export type ResultSource =
  /** Unkey answered this request (a call made for it, or one it shared with a concurrent request). */
  | "upstream"
  /**
   * A fresh entry of the in-process cache, or of the shared cache (`sharedCache`); in
   * `@keyguard/next`, also a hand-off from the middleware taken by a route handler.
   */
  | "cache"
  /** An expired valid entry, served because Unkey could not answer (`staleIfErrorMs`, opt-in). */
  | "stale"
  /** Decided here with no call to Unkey: a key no source could carry or Unkey would refuse (`MALFORMED_KEY`). */
  | "local";

/**
 * A normalized verification result. `valid` is true only for `code: "VALID"`.
 * Results served from the cache are frozen and shared: do not mutate them.
 */
export interface VerifyResult {
  readonly valid: boolean;
  readonly code: VerifyCode;
  /** Present for every code but `NOT_FOUND` and locally refused keys. */
  readonly keyId?: string | undefined;
  readonly name?: string | undefined;
  /** The key's `meta`, typed as {@link Register} declares it. */
  readonly meta?: Readonly<KeyMeta> | undefined;
  /** The key's roles. */
  readonly roles: readonly string[];
  /** All of the key's permissions, direct and through roles. */
  readonly permissions: readonly string[];
  readonly identity?: Identity | undefined;
  /** Credits left after this verification; absent for keys without usage limits. */
  readonly credits?: number | undefined;
  /** Unix ms at which the key expires, if it does. */
  readonly expires?: number | undefined;
  readonly enabled?: boolean | undefined;
  readonly ratelimits?: readonly RatelimitState[] | undefined;
  /** With `code: "MISSING_RATELIMIT"`: the name of the rate limit the key lacks, when Unkey named it. */
  readonly missingRatelimit?: string | undefined;
  /** Unkey's `meta.requestId` for the upstream answer behind this result. */
  readonly requestId?: string | undefined;
  readonly source: ResultSource;
}

/**
 * What your keys carry, declared once for the whole program by declaration merging (as
 * Express's `Request` or Hono's `ContextVariableMap` are): `meta` types every key's `meta`
 * (`req.unkey`, `c.get("unkey")`, `request.unkey`, `@ApiKey()`, `withUnkey`'s `unkey`,
 * `verifier.verify()`), `identityMeta` its identity's. Augment the package you import
 * (every adapter re-exports this interface, so `@keyguard/core` need not be installed
 * directly). keyguard does not check the shape at run time: it is whatever you set when
 * creating keys. Each field is optional: without one, `meta` is any JSON object.
 *
 * @example
 * ```ts
 * declare module "@keyguard/express" {
 *   interface Register {
 *     meta: { plan: "free" | "pro" };
 *   }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: empty so that users can merge their declarations into it.
export interface Register {}

/** The fields of a key's `meta`: `Register["meta"]` when declared, else any JSON object. */
export type KeyMeta = Register extends { meta: infer Meta extends object }
  ? Meta
  : Record<string, unknown>;

/** The fields of an identity's `meta`: `Register["identityMeta"]` when declared, else any JSON object. */
export type IdentityMeta = Register extends { identityMeta: infer Meta extends object }
  ? Meta
  : Record<string, unknown>;

/** The fields a verification and the context a handler sees share: one list, not two. */
type KeyFacts = Pick<
  VerifyResult,
  "name" | "roles" | "permissions" | "identity" | "credits" | "expires" | "ratelimits"
>;

/**
 * What a guarded handler sees about the key that was let in: the facts of its
 * {@link VerifyResult}, with `meta` typed as {@link Register} declares it, or as `Meta`
 * (keyguard does not check it at run time). `source` says whether the
 * answer came from Unkey (`"upstream"`), the in-process cache (`"cache"`), an
 * expired cache entry served because Unkey was unreachable (`"stale"`, opt-in),
 * or nothing at all because Unkey was unreachable and `failureMode: "open"` was
 * chosen (`"fail-open"`: no key was verified, `keyId` is `""`).
 *
 * @example
 * ```ts
 * declare module "@keyguard/express" {
 *   interface Register {
 *     meta: { plan: "free" | "pro" };
 *   }
 * }
 * app.get("/export", (req, res) => {
 *   if (keyOf(req).meta?.plan !== "pro") return res.status(402).end();
 *   res.json(report());
 * });
 * ```
 */
// `object`, not `Record<string, unknown>`: an interface has no implicit index signature.
export interface KeyContext<Meta extends object = KeyMeta> extends KeyFacts {
  readonly keyId: string;
  readonly meta?: Readonly<Meta> | undefined;
  readonly source: Exclude<ResultSource, "local"> | "fail-open";
}

/** A named rate limit to apply on this verification (Unkey's `ratelimits[]`). */
export interface RatelimitRequest {
  readonly name: string;
  readonly cost?: number | undefined;
  readonly limit?: number | undefined;
  readonly duration?: number | undefined;
}

/** Per-call options of `verifier.verify`. */
export interface VerifyRequest {
  /** A permission query (string or parsed) checked against the key's permissions. */
  readonly permissions?: string | PermissionQuery | undefined;
  /** Analytics tags sent to Unkey with upstream verifications (at most 20). */
  readonly tags?: readonly string[] | undefined;
  /** Credits to deduct. Any `cost` makes the call go to Unkey, never the cache. */
  readonly cost?: number | undefined;
  /** Named rate limits to apply. Any makes the call go to Unkey, never the cache. */
  readonly ratelimits?: readonly RatelimitRequest[] | undefined;
}

/** Counters since the verifier was created. */
export interface VerifierStats {
  /** Answers served from a fresh cache entry. */
  readonly hits: number;
  /** Verifications that found no fresh entry (or could not use the cache). */
  readonly misses: number;
  /** Verifications that waited on another caller's identical upstream call. */
  readonly coalesced: number;
  /** Answers found in the shared cache (`sharedCache`) on an in-process miss. */
  readonly sharedHits: number;
  /** Shared-cache calls that failed or timed out (each one fell back to Unkey). */
  readonly sharedErrors: number;
  /** HTTP calls made to Unkey (retries included). */
  readonly upstreamCalls: number;
  /** Verifications that ended in a verifier failure (before any stale fallback). */
  readonly failures: number;
  /** Failures answered from a stale entry (stale-if-error). */
  readonly staleServed: number;
  /** Keys refused locally as malformed, with no upstream call. */
  readonly refusedLocally: number;
  /** Credits given back to keys after a response a route's `refund` rule matched (Unkey confirmed). */
  readonly refunds: number;
  /** Refunds that failed (each one logged, none retried after Unkey may have seen it). */
  readonly refundFailures: number;
  /** Entries in the cache now. */
  readonly size: number;
}

/** Whether an outage of Unkey refuses every key (`"closed"`) or lets requests through (`"open"`). */
export type FailureMode = "closed" | "open";

/** Something that can look up a header: WHATWG `Headers`, or Node's `IncomingHttpHeaders`. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The minimal logger keyguard writes to (warnings and misconfiguration). Never given a key. */
export interface Logger {
  warn(message: string): void;
  error(message: string): void;
}
