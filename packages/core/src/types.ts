import type { PermissionQuery } from "./permission-query";

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
 * locally, or `UNKNOWN` for a code this version does not know (never valid).
 */
export type VerifyCode = UnkeyVerifyCode | "MALFORMED_KEY" | "UNKNOWN";

/** One rate limit as Unkey reports it; `reset` is an absolute Unix time in ms. */
export interface RatelimitState {
  readonly id?: string;
  readonly name: string;
  readonly exceeded: boolean;
  readonly limit: number;
  readonly remaining: number;
  readonly duration: number;
  readonly reset: number;
  readonly autoApply: boolean;
}

/** The identity a key belongs to, when it has one. */
export interface Identity {
  readonly id: string;
  readonly externalId: string;
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly ratelimits?: readonly unknown[];
}

/** Where an answer came from. */
export type ResultSource = "upstream" | "cache" | "stale" | "local";

/**
 * A normalized verification result. `valid` is true only for `code: "VALID"`.
 * Results served from the cache are frozen and shared: do not mutate them.
 */
export interface VerifyResult {
  readonly valid: boolean;
  readonly code: VerifyCode;
  /** Present for every code but `NOT_FOUND` and locally refused keys. */
  readonly keyId?: string;
  readonly name?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
  /** The key's roles. */
  readonly roles: readonly string[];
  /** All of the key's permissions, direct and through roles. */
  readonly permissions: readonly string[];
  readonly identity?: Identity;
  /** Credits left after this verification; absent for keys without usage limits. */
  readonly credits?: number;
  /** Unix ms at which the key expires, if it does. */
  readonly expires?: number;
  readonly enabled?: boolean;
  readonly ratelimits?: readonly RatelimitState[];
  /** Unkey's `meta.requestId` for the upstream answer behind this result. */
  readonly requestId?: string;
  readonly source: ResultSource;
}

/**
 * What a guarded handler sees about the key that was let in. `source` says
 * whether the answer came from Unkey (`"upstream"`), the in-process cache
 * (`"cache"`), an expired cache entry served because Unkey was unreachable
 * (`"stale"`, opt-in), or nothing at all because Unkey was unreachable and
 * `failureMode: "open"` was chosen (`"fail-open"`: no key was verified).
 */
export interface KeyContext {
  readonly keyId: string;
  readonly name?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly identity?: Identity;
  readonly credits?: number;
  readonly expires?: number;
  readonly ratelimits?: readonly RatelimitState[];
  readonly source: "upstream" | "cache" | "stale" | "fail-open";
}

/** A named rate limit to apply on this verification (Unkey's `ratelimits[]`). */
export interface RatelimitRequest {
  readonly name: string;
  readonly cost?: number;
  readonly limit?: number;
  readonly duration?: number;
}

/** Per-call options of `verifier.verify`. */
export interface VerifyRequest {
  /** A permission query (string or parsed) checked against the key's permissions. */
  readonly permissions?: string | PermissionQuery;
  /** Analytics tags sent to Unkey with upstream verifications (at most 20). */
  readonly tags?: readonly string[];
  /** Credits to deduct. Any `cost` makes the call go to Unkey, never the cache. */
  readonly cost?: number;
  /** Named rate limits to apply. Any makes the call go to Unkey, never the cache. */
  readonly ratelimits?: readonly RatelimitRequest[];
}

/** Counters since the verifier was created. */
export interface VerifierStats {
  /** Answers served from a fresh cache entry. */
  readonly hits: number;
  /** Verifications that found no fresh entry (or could not use the cache). */
  readonly misses: number;
  /** Verifications that waited on another caller's identical upstream call. */
  readonly coalesced: number;
  /** HTTP calls made to Unkey (retries included). */
  readonly upstreamCalls: number;
  /** Verifications that ended in a verifier failure (before any stale fallback). */
  readonly failures: number;
  /** Failures answered from a stale entry (stale-if-error). */
  readonly staleServed: number;
  /** Keys refused locally as malformed, with no upstream call. */
  readonly refusedLocally: number;
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
