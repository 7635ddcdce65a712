import { VerifierError } from "../errors";
import type { PreparedRequest } from "../options/verify-request";
import { holds } from "../permissions/permission-query";
import type { KeyContext } from "../types";
import { styleOf } from "./answer-style";
import { type Decision, fromFailure, insufficientPermissions } from "./decision";
import { deny } from "./denials";

const grantedMemo = /* @__PURE__ */ new WeakMap<KeyContext, ReadonlySet<string>>();

/**
 * Checks a permission query against a key already let in by a guard, with no
 * upstream call: what `requirePermissions(query)` does in every adapter.
 * No context is 401; a fail-open context is 503 (an outage never grants
 * permissions); a failed query is 403, challenged as the guard that let the key in
 * challenges (its realm; `insufficient_scope` with the query's scope).
 *
 * @example
 * ```ts
 * const route = guard.route({ permissions: "admin" });
 * const decision = authorize(req.unkey, route);
 * ```
 */
export function authorize(context: KeyContext | undefined, route: PreparedRequest): Decision {
  if (context === undefined) return deny("MISSING_KEY");
  if (context.source === "fail-open")
    return fromFailure(
      new VerifierError(
        "VERIFIER_UNAVAILABLE",
        "The key was let in unverified during an outage (failureMode: open); permissions cannot be checked.",
      ),
      {
        failureMode: "open",
        strict: route.query !== undefined || route.metered,
      },
    );
  if (route.query === undefined) return { allowed: true, context, headers: {} };
  let granted = grantedMemo.get(context);
  if (granted === undefined) {
    granted = new Set(context.permissions);
    grantedMemo.set(context, granted);
  }
  return holds(route.query, granted)
    ? { allowed: true, context, headers: {} }
    : insufficientPermissions(route.query, granted, styleOf(context));
}
