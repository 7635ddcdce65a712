import type { AddressGroup } from "../budget/failure-budget";
import { answerStyleOf } from "../decision/answer-style";
import { createIssuer, type Decision } from "../decision/decision";
import { KeyguardConfigError } from "../errors";
import { cookieGateOf } from "../extract/cross-site";
import { DEFAULT_KEY_SOURCES, type KeySource } from "../extract/extract-key";
import { presentationOf } from "../extract/key-presentation";
import { validateKeySources } from "../extract/key-source-options";
import { isPromise } from "../maybe-promise";
import { rejectUnknownOptions } from "../options/option-names";
import { compileReportOnly, withReportOnly } from "../options/report-only-option";
import { compileRoute, type RouteBase, type RouteOptions } from "../options/route-options";
import { VERIFIER_OPTION_NAMES, type VerifierOptions } from "../options/verifier-options";
import { type PreparedRequest, prepareRequest } from "../options/verify-request";
import { announced } from "../telemetry/decision-message";
// The Node build swaps this import for ../telemetry/node: diagnostics_channel publishing.
import { telemetry } from "../telemetry/web";
import type { KeyContext } from "../types";
import { createVerifier, decideFor, loggerOf, type Verifier } from "../verify/verifier";
import { failureBudgetGate } from "./failure-budget-gate";
import { guardName } from "./guard-name";
import { GUARD_OPTION_NAMES, type GuardOptions } from "./guard-options";
import { missingRatelimitLog } from "./missing-ratelimit-log";
import type { Refund } from "./refund-for";
import { createRefundRoutes } from "./refund-routes";
import { createRequestDecision, type GuardRequest, type mayBePreflight } from "./request-decision";
import { type GuardNaming, type SecondGuardRequest, secondGuard } from "./second-guard";
import { reportedAgain } from "./second-guard-report";

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
  /**
   * Whether `check` reads `address`: only with a `failureBudget`, so adapters whose client
   * address costs a lookup (Express's `req.ip` walks `trust proxy`) pass it only then.
   */
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
   * guard issued: then `check` the request as usual. A route with `reportOnly` rules has
   * them evaluated on `prior` and published on `keyguard:decision`, as `check` does.
   */
  again(
    prior: KeyContext,
    request: SecondGuardRequest,
    route?: PreparedRequest,
  ): Decision | undefined;
  /**
   * The refund a request may claim once its response is sent: `undefined` unless the route
   * has a `refund` rule and this verification charged credits (a key with limited credits,
   * a cost above 0, Unkey's own answer to this request). Adapters call it with the status
   * of the response actually sent (a thrown handler error as the 500 it became), once.
   */
  refundFor(decision: Decision, route?: PreparedRequest): Refund | undefined;
}

/**
 * How an adapter names its guards in the refusal that involves two of them: `factory` is
 * the function users call (the guard is then named after it and its route options,
 * `unkey({ cost: 5 })`), or `name` the whole name; `fixTwice` says what to do about it.
 */
export type GuardNamingOptions =
  | { readonly factory: string; readonly fixTwice: string }
  | GuardNaming;

/** What an adapter gives a guard besides its name: the parts that depend on the runtime. */
export interface GuardParts {
  /**
   * Groups a client address for `failureBudget` (`addressGroup` from `@keyguard/core/adapter`,
   * or, where addresses come grouped, `(group) => group`); without it `failureBudget` is refused.
   */
  readonly addressGroup?: AddressGroup | undefined;
}

const UNNAMED: GuardNamingOptions = {
  factory: "createGuard",
  fixTwice: "Let one guard verify each request.",
};

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
  parts: GuardParts = {},
): Guard {
  if (typeof options !== "object" || options === null)
    throw new KeyguardConfigError("options", "expected an object.");
  rejectUnknownOptions(options, GUARD_OPTION_NAMES);
  const verifier = guardVerifier(options);
  const sources =
    options.keySources === undefined ? DEFAULT_KEY_SOURCES : validateKeySources(options.keySources);
  const cookieGate = cookieGateOf(sources);
  const preflight = checkPreflight(options.preflight);
  const base = routeBaseOf(options);
  const refunds = createRefundRoutes(verifier, options.refund);
  const defaultRoute = refunds.note(
    withReportOnly(prepareRequest(base), compileReportOnly(base.reportOnly)),
    undefined,
    "refund",
  );
  const name = "name" in naming ? naming.name : guardName(naming.factory, defaultRoute);
  const style = answerStyleOf(presentationOf(sources), options);
  const issuer = createIssuer(name, style);
  const budget = failureBudgetGate(options.failureBudget, verifier, style, parts.addressGroup);
  const decideRequest = createRequestDecision({
    preflight,
    sources,
    cookieGate,
    style,
    verifier,
    decide: decideFor(verifier),
    noteMissing: missingRatelimitLog(loggerOf(verifier)),
    issuer,
    budget,
  });
  const twice = secondGuard({ name, fixTwice: naming.fixTwice }, loggerOf(verifier));

  function check(
    request: GuardRequest,
    prepared: PreparedRequest = defaultRoute,
  ): Decision | Promise<Decision> {
    // Nothing is measured unless someone listens on `keyguard:decision`.
    if (!telemetry.decisionsWanted()) return decideRequest(request, prepared);
    const start = performance.now();
    const decision = decideRequest(request, prepared);
    if (!isPromise(decision)) return announced(decision, start, request.route, prepared);
    return decision.then((settled) => announced(settled, start, request.route, prepared));
  }

  return {
    verifier,
    sources,
    readsUrl: sources.some((source) => "query" in source),
    readsMethod: cookieGate !== undefined,
    readsAddress: budget !== undefined,
    route: (routeOptions, optionPrefix = "") =>
      refunds.note(
        compileRoute(base, routeOptions, optionPrefix),
        routeOptions?.refund,
        `${optionPrefix}refund`,
      ),
    check,
    again: (prior, request, prepared = defaultRoute) =>
      reportedAgain(twice(prior, prepared, request), prepared, request.route),
    refundFor: (decision, prepared = defaultRoute) => refunds.refundFor(decision, prepared),
  };
}

/** The guard's own route options: what every route's options are merged over. */
function routeBaseOf(options: GuardOptions): RouteBase {
  const { permissions, tags, cost, ratelimits, reportOnly } = options;
  return { permissions, tags, cost, ratelimits, reportOnly };
}

/** The verifier a guard verifies with: the one given (alone), or one made from the verifier options. */
function guardVerifier(options: GuardOptions): Verifier {
  const given = options.verifier;
  if (given === undefined) return createVerifier(pickVerifierOptions(options));
  if (typeof given?.verify !== "function" || typeof given.cached !== "function") {
    throw new KeyguardConfigError("verifier", "expected a verifier from createVerifier().");
  }
  const clash = VERIFIER_OPTION_NAMES.find((name) => options[name] !== undefined);
  if (clash) {
    throw new KeyguardConfigError(
      clash,
      "cannot be combined with `verifier`; pass it to createVerifier() instead.",
    );
  }
  return given;
}

function checkPreflight(value: unknown): "allow" | "guard" {
  const preflight = value ?? "allow";
  if (preflight !== "allow" && preflight !== "guard") {
    throw new KeyguardConfigError(
      "preflight",
      `expected "allow" or "guard", got ${JSON.stringify(preflight)}.`,
    );
  }
  return preflight;
}
