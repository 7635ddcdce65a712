import type { FailureBudgetOptions } from "../budget/failure-budget-options";
import {
  createIssuer,
  type Decision,
  fromExtraction,
  fromFailure,
  fromResult,
} from "../decision/decision";
import { KeyguardConfigError } from "../errors";
import { cookieGateOf, extractGated, type GatedExtraction } from "../extract/cross-site";
import {
  type CookieKeySource,
  checkPresentedKey,
  DEFAULT_KEY_SOURCES,
  extractKey,
  type KeyRequest,
  type KeySource,
} from "../extract/extract-key";
import { readHeader } from "../extract/headers";
import { presentationOf } from "../extract/key-presentation";
import { validateKeySources } from "../extract/key-source-options";
import { isPromise } from "../maybe-promise";
import {
  GUARD_OPTION_NAMES,
  ROUTE_OPTION_NAMES,
  rejectUnknownOptions,
  VERIFIER_OPTION_NAMES,
} from "../options/option-names";
import type { VerifierOptions } from "../options/verifier-options";
import { type PreparedRequest, prepareRequest } from "../options/verify-request";
import type { PermissionQuery } from "../permissions/permission-query";
import { announced } from "../telemetry/decision-message";
// The Node build swaps this import for ../telemetry/node: diagnostics_channel publishing.
import { telemetry } from "../telemetry/web";
import type { HeadersLike, KeyContext, RatelimitRequest, VerifyRequest } from "../types";
import { createVerifier, decideFor, loggerOf, type Verifier } from "../verify/verifier";
import { type FailureBudgetGate, failureBudgetGate } from "./failure-budget-gate";
import { guardName } from "./guard-name";
import { missingRatelimitLog } from "./missing-ratelimit-log";
import { type GuardNaming, type SecondGuardRequest, secondGuard } from "./second-guard";

/** What one route asks of a key. Route options replace the app-wide ones field by field. */
export interface RouteOptions {
  /** A permission query the key must satisfy, e.g. `"docs.read AND (docs.write OR admin)"`. */
  permissions?: string | PermissionQuery | undefined;
  /** Analytics tags sent to Unkey with upstream verifications. */
  tags?: readonly string[] | undefined;
  /** Credits to deduct per request; makes every request reach Unkey. */
  cost?: number | undefined;
  /** Named rate limits to apply per request; makes every request reach Unkey. */
  ratelimits?: readonly RatelimitRequest[] | undefined;
}

/** Options shared by every adapter: verifier options (or a ready verifier), key sources, route defaults. */
export interface GuardOptions extends VerifierOptions, RouteOptions {
  /**
   * A ready verifier, so that several middleware instances share one cache.
   * When given, verifier options (rootKey, cache, …) must not be.
   */
  verifier?: Verifier | undefined;
  /**
   * Where the key is looked for, in order. A cookie's key is refused (403
   * `CROSS_SITE_REQUEST`) on an unsafe method from another site's page: see {@link CookieKeySource}.
   * @default [{ header: "authorization", scheme: "Bearer" }, { header: "x-api-key" }]
   */
  keySources?: readonly KeySource[] | undefined;
  /**
   * Whether CORS preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) pass unguarded.
   * Browsers never attach credentials to a preflight, so guarding it breaks CORS. A route that
   * requires permissions or is metered (`cost`, `ratelimits`) guards its preflights regardless:
   * its handler never runs without a key (answer preflights in CORS middleware before the guard).
   * @default "allow"
   */
  preflight?: "allow" | "guard" | undefined;
  /**
   * A budget of refusals for unknown or malformed keys (`NOT_FOUND`, `MALFORMED_KEY`) per
   * client address: past `limit` within `windowMs`, the address's requests are answered 429
   * (`FAILURE_BUDGET_EXCEEDED`, `Retry-After`) without calling Unkey, unless their key is
   * cached as valid. Addresses as `identify.ip()` reads them; shared by every instance
   * through a `sharedCache` that counts (`@keyguard/redis`'s does).
   */
  failureBudget?: FailureBudgetOptions | undefined;
}

/** The request facts a guard needs; adapters build it from their framework's request. */
export interface GuardRequest extends KeyRequest {
  /** The route's pattern (e.g. `/docs/:id`), for telemetry, when the adapter knows it. */
  readonly route?: string | undefined;
  /**
   * The request's method. A guard with a cookie source reads it on every request (a cookie
   * key is refused on an unsafe method from another site), see {@link Guard.readsMethod};
   * otherwise only to let CORS preflights through, so an adapter may leave it out when
   * neither `readsMethod` nor {@link mayBePreflight} is true. Left out, it counts as unsafe.
   */
  readonly method?: string | undefined;
  /**
   * The client's address as the framework reports it (after its trust-proxy setting), as
   * `identify.ip()` reads it; only a guard with a `failureBudget` reads it (see
   * {@link Guard.readsAddress}). A request without one is not budgeted.
   */
  readonly address?: string | undefined;
  /** The key from a custom `getKey` (`null` for none); when set, `keySources` are not read. */
  readonly key?: string | null | undefined;
}

/** The guard every adapter wraps: options are resolved once, then `check` runs per request. */
export interface Guard {
  readonly verifier: Verifier;
  /** Where this guard reads keys, validated (for OpenAPI security schemes and docs). */
  readonly sources: readonly KeySource[];
  /**
   * Whether a key source is a query parameter. Only then does `check` read `url`, so adapters
   * whose request URL costs a lookup (Express's, Fastify's) pass it only then.
   */
  readonly readsUrl: boolean;
  /**
   * Whether `check` reads `method` on every request: only when a key source is a cookie
   * (RFC 9110 §9.2.1: a cookie key on an unsafe method must come from this site's pages).
   * Otherwise it reads it only on a CORS preflight, so adapters whose request method costs
   * a lookup (Express's) pass it only when this or {@link mayBePreflight} is true.
   */
  readonly readsMethod: boolean;
  /** Whether `check` reads `address`: only with a `failureBudget`. */
  readonly readsAddress: boolean;
  /** Compiles a route's options (merged over the guard's); throws at start-up on a bad one. */
  route(options?: RouteOptions, optionPrefix?: string): PreparedRequest;
  /** Decides one request; synchronous when the answer is in the cache. */
  check(request: GuardRequest, route?: PreparedRequest): Decision | Promise<Decision>;
  /**
   * Decides, without verifying again, a request that an earlier keyguard guard already let
   * in (`prior` is the context it issued): the route's permissions are checked locally, and
   * a metered route (`cost`, `ratelimits`) is refused with 500 `GUARDED_TWICE`, since only
   * a second charge could honour it. `undefined` when `prior` is not a context a keyguard
   * guard issued: then `check` the request as usual.
   */
  again(
    prior: KeyContext,
    request: SecondGuardRequest,
    route?: PreparedRequest,
  ): Decision | undefined;
}

/**
 * How an adapter names its guards in the refusal that involves two of them: `factory` is
 * the function users call (the guard is then named after it and its route options,
 * `unkey({ cost: 5 })`), or `name` the whole name; `fixTwice` says what to do about it.
 */
export type GuardNamingOptions =
  | { readonly factory: string; readonly fixTwice: string }
  | GuardNaming;

const UNNAMED: GuardNamingOptions = {
  factory: "createGuard",
  fixTwice: "Let one guard verify each request.",
};

const PREFLIGHT: Decision = Object.freeze({
  allowed: true,
  context: undefined,
  headers: Object.freeze({}),
});

/**
 * Whether the headers are a CORS preflight's: only then does the request's method matter to
 * the guard. Adapters whose every read of the request object is a slow lookup (Express gives
 * each request a hidden class of its own) read the method only when this is true.
 */
export function mayBePreflight(headers: HeadersLike): boolean {
  return (
    // Fetch standard §3.2.2: a CORS preflight always carries both.
    readHeader(headers, "origin") !== undefined &&
    readHeader(headers, "access-control-request-method") !== undefined
  );
}

function pickVerifierOptions(options: GuardOptions): VerifierOptions {
  const picked: Record<string, unknown> = {};
  for (const name of VERIFIER_OPTION_NAMES)
    if (options[name] !== undefined) picked[name] = options[name];
  return picked as VerifierOptions;
}

/**
 * Creates the guard that every adapter wraps: key extraction, verification and
 * the decision, with route options compiled at start-up. Everything expensive
 * (the verifier and its cache, parsed permission queries) is built here, once.
 * Useful on its own to guard a framework keyguard has no adapter for.
 *
 * @example
 * ```ts
 * import { createGuard } from "@keyguard/core/adapter";
 *
 * const guard = createGuard({ rootKey, permissions: "docs.read" });
 * const decision = await guard.check({ method: request.method, headers: request.headers });
 * if (!decision.allowed) return Response.json(decision.body, decision);
 * ```
 */
export function createGuard(
  options: GuardOptions = {},
  naming: GuardNamingOptions = UNNAMED,
): Guard {
  if (typeof options !== "object" || options === null)
    throw new KeyguardConfigError("options", "expected an object.");
  rejectUnknownOptions(options, GUARD_OPTION_NAMES);
  let verifier = options.verifier;
  if (verifier !== undefined) {
    if (typeof verifier?.verify !== "function" || typeof verifier.cached !== "function") {
      throw new KeyguardConfigError("verifier", "expected a verifier from createVerifier().");
    }
    const clash = VERIFIER_OPTION_NAMES.find((name) => options[name] !== undefined);
    if (clash) {
      throw new KeyguardConfigError(
        clash,
        "cannot be combined with `verifier`; pass it to createVerifier() instead.",
      );
    }
  } else {
    verifier = createVerifier(pickVerifierOptions(options));
  }
  const sources =
    options.keySources === undefined ? DEFAULT_KEY_SOURCES : validateKeySources(options.keySources);
  const presentation = presentationOf(sources);
  const cookieGate = cookieGateOf(sources);
  const preflight = options.preflight ?? "allow";
  if (preflight !== "allow" && preflight !== "guard") {
    throw new KeyguardConfigError(
      "preflight",
      `expected "allow" or "guard", got ${JSON.stringify(preflight)}.`,
    );
  }
  const base: VerifyRequest = {
    permissions: options.permissions,
    tags: options.tags,
    cost: options.cost,
    ratelimits: options.ratelimits,
  };
  const defaultRoute = prepareRequest(base);
  const ready = verifier;
  const decide = decideFor(ready);
  const noteMissing = missingRatelimitLog(loggerOf(ready));
  const name = "name" in naming ? naming.name : guardName(naming.factory, defaultRoute);
  const issuer = createIssuer(name);
  const twice = secondGuard({ name, fixTwice: naming.fixTwice }, loggerOf(ready));
  const budget = failureBudgetGate(options.failureBudget, ready);

  function route(routeOptions: RouteOptions = {}, optionPrefix = ""): PreparedRequest {
    if (typeof routeOptions !== "object" || routeOptions === null) {
      throw new KeyguardConfigError(optionPrefix || "route", "expected an object.");
    }
    rejectUnknownOptions(routeOptions, ROUTE_OPTION_NAMES, optionPrefix);
    const merged: VerifyRequest = {
      permissions: routeOptions.permissions ?? base.permissions,
      tags: routeOptions.tags ?? base.tags,
      cost: routeOptions.cost ?? base.cost,
      ratelimits: routeOptions.ratelimits ?? base.ratelimits,
    };
    return prepareRequest(merged, optionPrefix);
  }

  function check(
    request: GuardRequest,
    prepared: PreparedRequest = defaultRoute,
  ): Decision | Promise<Decision> {
    // Nothing is measured unless someone listens on `keyguard:decision`.
    if (!telemetry.decisionsWanted()) return decideRequest(request, prepared);
    const start = performance.now();
    const decision = decideRequest(request, prepared);
    if (!isPromise(decision)) return announced(decision, start, request.route);
    return decision.then((settled) => announced(settled, start, request.route));
  }

  function decideRequest(
    request: GuardRequest,
    prepared: PreparedRequest,
  ): Decision | Promise<Decision> {
    if (
      preflight === "allow" &&
      request.method === "OPTIONS" &&
      // A handler that requires permissions or meters use never runs keyless, preflight or not.
      prepared.query === undefined &&
      !prepared.metered &&
      mayBePreflight(request.headers)
    )
      return PREFLIGHT;
    // A key from `getKey` is the hook's own business; a guard without cookies reads as ever.
    const extraction =
      request.key !== undefined
        ? checkPresentedKey(request.key)
        : cookieGate === undefined
          ? extractKey(request, sources)
          : extractGated(request, cookieGate);
    if (budget !== undefined) return budgeted(budget, request, extraction, prepared);
    if (!extraction.ok) return fromExtraction(extraction, presentation);
    return verified(request, extraction.key, prepared);
  }

  /** The decision under a failure budget: refused while the address's is spent, else counted. */
  function budgeted(
    gate: FailureBudgetGate,
    request: GuardRequest,
    extraction: GatedExtraction,
    prepared: PreparedRequest,
  ): Decision | Promise<Decision> {
    const group = gate.groupOf(request.address);
    // No key at all is not a guess (nor a cookie refused cross-site): answered, never counted.
    if (!extraction.ok && extraction.code !== "MALFORMED_KEY")
      return fromExtraction(extraction, presentation);
    const refused = gate.refuse(group, extraction.ok ? extraction.key : undefined);
    if (refused !== undefined) return refused;
    if (!extraction.ok) return gate.note(group, fromExtraction(extraction, presentation));
    const decision = verified(request, extraction.key, prepared);
    if (!isPromise(decision)) return gate.note(group, decision);
    return decision.then((settled) => gate.note(group, settled));
  }

  function verified(
    request: GuardRequest,
    key: string,
    prepared: PreparedRequest,
  ): Decision | Promise<Decision> {
    // A cache hit is answered synchronously; on a miss the key is not hashed again.
    const answer = decide(key, prepared);
    if (!isPromise(answer)) return fromResult(answer, presentation, undefined, issuer);
    return answer.then(
      (result) => {
        noteMissing(result, request.route);
        return fromResult(result, presentation, undefined, issuer);
      },
      (error: unknown) =>
        fromFailure(error, {
          failureMode: ready.failureMode,
          strict: prepared.query !== undefined || prepared.metered,
          issuer,
        }),
    );
  }

  const again = (prior: KeyContext, request: SecondGuardRequest, prepared = defaultRoute) =>
    twice(prior, prepared, request);

  const readsUrl = sources.some((source) => "query" in source);
  const readsMethod = cookieGate !== undefined;
  const readsAddress = budget !== undefined;
  return { verifier: ready, sources, readsUrl, readsMethod, readsAddress, route, check, again };
}
