/**
 * Stable, machine-readable codes for every error keyguard throws. They never
 * change between minor versions, so callers may switch on them.
 */
export type KeyguardErrorCode =
  | "INVALID_OPTION"
  | "INVALID_SETUP"
  | "INVALID_PERMISSION_QUERY"
  | "INVALID_RATELIMIT_IDENTIFIER"
  | "VERIFIER_UNAVAILABLE"
  | "VERIFIER_MISCONFIGURED";

/**
 * Base class of every error keyguard throws: a stable `code`, a message that
 * never contains an API key, and the original `cause` when there is one.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(key);
 * } catch (error) {
 *   if (error instanceof KeyguardError && error.code === "VERIFIER_UNAVAILABLE") retryLater();
 * }
 * ```
 */
export class KeyguardError extends Error {
  override readonly name: string = "KeyguardError";
  readonly code: KeyguardErrorCode;

  constructor(code: KeyguardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A bad option, thrown when a verifier, guard or middleware is created (never at
 * the first request). `option` names the offending option by its path in the
 * options object it was given in; `at` says where that object was given when it was
 * not the factory's own options (a Fastify route's `config`, a Nest decorator).
 *
 * @example
 * ```ts
 * createVerifier({ rootKey: "unkey_…", cache: { ttlMs: -1 } });
 * // KeyguardConfigError: Invalid option `cache.ttlMs`: expected a finite number ≥ 0, got -1.
 * // In a Fastify route's config (`at: "route GET /docs"`, `option: "config.unkey.permission"`):
 * // KeyguardConfigError: route GET /docs: invalid option `config.unkey.permission`: unknown option; …
 * ```
 */
export class KeyguardConfigError extends KeyguardError {
  override readonly name = "KeyguardConfigError";
  /** The option's path (`cache.ttlMs`, `config.unkey.permissions`), never a route or class name. */
  readonly option: string;
  /** What is wrong with it, without the option's name. */
  readonly problem: string;
  /** Where the options were given (`route GET /docs`, `@UnkeyRoute() on DocsController.list`), if not to the factory. */
  readonly at: string | undefined;

  constructor(
    option: string,
    problem: string,
    options?: { cause?: unknown; at?: string | undefined },
  ) {
    const at = options?.at;
    super(
      "INVALID_OPTION",
      at === undefined
        ? `Invalid option \`${option}\`: ${problem}`
        : `${at}: invalid option \`${option}\`: ${problem}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.option = option;
    this.problem = problem;
    this.at = at;
  }
}

/**
 * A set-up mistake that no option's value causes, thrown at start-up: a route that
 * asks for a key where the guard does not run, a guard without its module, two
 * decorators that contradict each other, a builder or decorator called with a bad
 * argument. `at` names the thing (`DocsController.list`, `UnkeyGuard`, `and()`).
 *
 * @example
 * ```ts
 * and();
 * // KeyguardSetupError: and(): needs at least one permission or sub-query.
 * ```
 */
export class KeyguardSetupError extends KeyguardError {
  override readonly name = "KeyguardSetupError";
  /** What is set up wrong: a route handler, a guard, a decorator, a function. */
  readonly at: string;
  /** What is wrong with it. */
  readonly problem: string;

  constructor(at: string, problem: string, options?: { cause?: unknown }) {
    super("INVALID_SETUP", `${at}: ${problem}`, options);
    this.at = at;
    this.problem = problem;
  }
}

/**
 * Runs `check` and names `at` in the `KeyguardConfigError` it throws: for options
 * given somewhere other than a factory (a route's config, a decorator), so that the
 * error keeps the option's own path and says where apart.
 */
export function locateConfigErrors<T>(at: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof KeyguardConfigError) || error.at !== undefined) throw error;
    throw new KeyguardConfigError(error.option, error.problem, { at, cause: error });
  }
}

/**
 * A permission query that does not follow Unkey's grammar. `position` is the
 * zero-based character offset where parsing failed, as Unkey reports it.
 *
 * @example
 * ```ts
 * parsePermissionQuery("a AND");
 * // PermissionQuerySyntaxError: Syntax error in permission query "a AND": unexpected end of query at position 5. …
 * ```
 */
export class PermissionQuerySyntaxError extends KeyguardError {
  override readonly name = "PermissionQuerySyntaxError";
  readonly query: string;
  readonly position: number;
  /** Unkey's own wording of the problem, without the query. */
  readonly reason: string;

  constructor(query: string, position: number, reason: string) {
    super(
      "INVALID_PERMISSION_QUERY",
      `Syntax error in permission query ${JSON.stringify(query.length > 120 ? `${query.slice(0, 117)}...` : query)}: ${reason}`,
    );
    this.query = query;
    this.position = position;
    this.reason = reason;
  }
}

/**
 * A rate-limit identifier Unkey would refuse (empty, longer than 512
 * characters, not a string), or none at all (no client IP, no header, no key
 * id): a bug in the identifier function or a missing input, never a reason to
 * let the request through. Adapters hand it to the framework's error path.
 *
 * @example
 * ```ts
 * app.use((error, req, res, next) => {
 *   if (error instanceof RatelimitIdentifierError) return res.status(400).json({ detail: error.message });
 *   next(error);
 * });
 * ```
 */
export class RatelimitIdentifierError extends KeyguardError {
  override readonly name = "RatelimitIdentifierError";

  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_RATELIMIT_IDENTIFIER", message, options);
  }
}

/** The longest `Retry-After` keyguard passes on, in seconds (one hour). */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * Unkey could not give an answer: it is unreachable, too slow, answered 5xx or
 * something that is not a verification (`VERIFIER_UNAVAILABLE`), or it refused
 * the root key or the request itself (`VERIFIER_MISCONFIGURED`).
 *
 * @example
 * ```ts
 * if (error instanceof VerifierError) console.log(error.code, error.status, error.requestId);
 * ```
 */
export class VerifierError extends KeyguardError {
  override readonly name = "VerifierError";
  /** The HTTP status Unkey answered with, when it answered at all. */
  readonly status: number | undefined;
  /** Unkey's `meta.requestId`, when the answer carried one. */
  readonly requestId: string | undefined;
  /** Seconds to wait before retrying, from Unkey's `Retry-After` or keyguard's default. */
  readonly retryAfterSeconds: number;
  /**
   * Whether Unkey answered another verification while this one failed: the
   * failure is this call's (local overload, one slow answer), not an outage, so
   * it never lets `failureMode: "open"` through. A flood of random keys that
   * slows this process down must not switch the guard open.
   */
  readonly unkeyAnswering: boolean;

  constructor(
    code: "VERIFIER_UNAVAILABLE" | "VERIFIER_MISCONFIGURED",
    message: string,
    details: {
      status?: number;
      requestId?: string;
      retryAfterSeconds?: number;
      unkeyAnswering?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.status = details.status;
    this.requestId = details.requestId;
    this.unkeyAnswering = details.unkeyAnswering ?? false;
    // A Retry-After of days (or 1e9 s) from a misbehaving upstream would park clients for good.
    this.retryAfterSeconds = Math.min(
      MAX_RETRY_AFTER_SECONDS,
      Math.max(1, Math.ceil(details.retryAfterSeconds ?? 1)),
    );
  }

  /** This failure, marked as one that happened while Unkey answered other calls. */
  whileAnswering(): VerifierError {
    return new VerifierError(
      this.code as "VERIFIER_UNAVAILABLE" | "VERIFIER_MISCONFIGURED",
      this.message,
      {
        status: this.status,
        requestId: this.requestId,
        retryAfterSeconds: this.retryAfterSeconds,
        unkeyAnswering: true,
        cause: this.cause,
      },
    );
  }

  /**
   * Whether Unkey refused for load (HTTP 429, the workspace's own rate limit).
   * That is never a reason to fail open: a flood of random keys can trigger it.
   */
  get throttled(): boolean {
    return this.status === 429;
  }

  /**
   * Whether this failure is an outage of Unkey, the one case where `failureMode: "open"`
   * may let a request through and `staleIfErrorMs` may serve an expired answer: Unkey
   * unavailable, not throttling (429), and not answering other calls meanwhile.
   */
  get outage(): boolean {
    return this.code === "VERIFIER_UNAVAILABLE" && !this.throttled && !this.unkeyAnswering;
  }
}
