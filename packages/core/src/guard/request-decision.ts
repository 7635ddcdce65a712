import type { AnswerStyle } from "../decision/answer-style";
import {
  type Decision,
  fromExtraction,
  fromFailure,
  fromResult,
  type Issuer,
} from "../decision/decision";
import { type CookieGate, extractGated } from "../extract/cross-site";
import {
  checkPresentedKey,
  extractKey,
  type KeyRequest,
  type KeySource,
} from "../extract/extract-key";
import { readHeader } from "../extract/headers";
import { isPromise } from "../maybe-promise";
import type { PreparedRequest } from "../options/verify-request";
import type { HeadersLike, VerifyResult } from "../types";
import type { Decide } from "../verify/decide";
import type { Verifier } from "../verify/verifier";
import { budgetedDecision, type VerifiedDecision } from "./budgeted-decision";
import type { FailureBudgetGate } from "./failure-budget-gate";

/** The request facts a guard needs; adapters build it from their framework's request. */
export interface GuardRequest extends KeyRequest {
  /** The route's pattern (e.g. `/docs/:id`), for telemetry, when the adapter knows it. */
  readonly route?: string | undefined;
  /**
   * The request's method. A guard with a cookie source reads it on every request (a cookie
   * key is refused on an unsafe method from another site), see `Guard.readsMethod`;
   * otherwise only to let CORS preflights through, so an adapter may leave it out when
   * neither `readsMethod` nor {@link mayBePreflight} is true. Left out, it counts as unsafe.
   */
  readonly method?: string | undefined;
  /**
   * The client's address as the framework reports it (after its trust-proxy setting), as
   * `identify.ip()` reads it; only a guard with a `failureBudget` reads it (see
   * `Guard.readsAddress`). A request without one is not budgeted.
   */
  readonly address?: string | undefined;
  /** The key from a custom `getKey` (`null` for none); when set, `keySources` are not read. */
  readonly key?: string | null | undefined;
}

const PREFLIGHT: Decision = /* @__PURE__ */ Object.freeze({
  allowed: true,
  context: undefined,
  headers: /* @__PURE__ */ Object.freeze({}),
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

/** What a guard decides each request with: built once, by `createGuard`. */
export interface RequestDecisionSetup {
  readonly preflight: "allow" | "guard";
  readonly sources: readonly KeySource[];
  readonly cookieGate: CookieGate | undefined;
  readonly style: AnswerStyle;
  readonly verifier: Verifier;
  readonly decide: Decide;
  readonly noteMissing: (result: VerifyResult, route: string | undefined) => void;
  readonly issuer: Issuer;
  /** The `failureBudget`'s gate, when the guard has one. */
  readonly budget?: FailureBudgetGate | undefined;
}

/** A guard's per-request pipeline, the hot path: CORS preflight, key, verification, decision. */
export type RequestDecision = (
  request: GuardRequest,
  prepared: PreparedRequest,
) => Decision | Promise<Decision>;

/**
 * One request, from its headers to a decision: a CORS preflight passes (where the route
 * lets it), the key is extracted (a cookie only from this site on an unsafe method), a
 * cache hit is decided synchronously, a miss when the verifier answers or fails.
 */
export function createRequestDecision(setup: RequestDecisionSetup): RequestDecision {
  const { preflight, sources, cookieGate, style, budget } = setup;
  const verified = verifiedDecision(setup);
  const budgeted = budget === undefined ? undefined : budgetedDecision(budget, style, verified);
  return (request, prepared) => {
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
    if (budgeted !== undefined) return budgeted(request, extraction, prepared);
    if (!extraction.ok) return fromExtraction(extraction, style);
    return verified(request, extraction.key, prepared);
  };
}

/** A key's verification to a decision: a cache hit synchronously, a miss when the verifier answers or fails. */
function verifiedDecision(setup: RequestDecisionSetup): VerifiedDecision<GuardRequest> {
  const { style, verifier, decide, noteMissing, issuer } = setup;
  return (request, key, prepared) => {
    // A cache hit is answered synchronously; on a miss the key is not hashed again.
    const answer = decide(key, prepared);
    if (!isPromise(answer)) return fromResult(answer, style, undefined, issuer, prepared.query);
    return answer.then(
      (result) => {
        noteMissing(result, request.route);
        return fromResult(result, style, undefined, issuer, prepared.query);
      },
      (error: unknown) =>
        fromFailure(error, {
          failureMode: verifier.failureMode,
          strict: prepared.query !== undefined || prepared.metered,
          issuer,
        }),
    );
  };
}
