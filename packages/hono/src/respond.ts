import type { Deny } from "@keyguard/core";
import { type Allow, FAIL_OPEN_HEADER } from "@keyguard/core/adapter";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { HonoHooks } from "./options";

/** The decision's problem+json answer (RFC 9457); its headers carry the content type. */
export function denialResponse(decision: Deny, c: Context): Response {
  // c.body keeps headers other middleware already set (CORS on a 401 matters to browsers).
  return c.body(
    JSON.stringify(decision.body),
    decision.status as ContentfulStatusCode,
    decision.headers,
  );
}

// Requests a keyguard middleware refused, so that an outer one that let them in fail-open
// does not flag the refusal with its x-keyguard-fail-open header.
const refused = /* @__PURE__ */ new WeakSet<Context>();

/** Builds the function that answers a denial: `onError`, `onDenied` or the default problem+json. */
export function createRefuse(
  hooks: Pick<HonoHooks, "onDenied" | "onError">,
): (decision: Deny, c: Context) => Response | Promise<Response> {
  const { onDenied, onError } = hooks;
  return (decision, c) => {
    refused.add(c);
    // Every VERIFIER_* denial carries its error (the core's contract): that is what failed.
    const failure = decision.error;
    if (failure !== undefined && onError !== undefined) {
      if (onError === "throw") throw failure;
      return onError(failure, c);
    }
    if (onDenied !== undefined) return onDenied(decision, c);
    return denialResponse(decision, c);
  };
}

/** Before the handler: the allowed key's context on `c` (`c.get("unkey")`). */
export function admit(decision: Allow, c: Context): void {
  if (decision.context !== undefined) c.set("unkey", decision.context);
}

/** After the handler: the allow decision's headers, on whatever Response it returned. */
export function addAllowHeaders(decision: Allow, c: Context): void {
  for (const name in decision.headers) {
    if (name === FAIL_OPEN_HEADER && refused.has(c)) continue;
    c.header(name, decision.headers[name]);
  }
}
