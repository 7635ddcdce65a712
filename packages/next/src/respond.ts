import type { Deny } from "@keyguard/core";
import type { NextHooks } from "./options";

/** The decision's problem+json answer (RFC 9457); its headers carry the content type. */
export function denialResponse(decision: Deny): Response {
  return new Response(JSON.stringify(decision.body), {
    status: decision.status,
    headers: decision.headers,
  });
}

/** Builds the function that answers a denial: `onError`, `onDenied` or the default problem+json. */
export function createRefuse(
  hooks: Pick<NextHooks, "onDenied" | "onError">,
): (decision: Deny, request: Request) => Response | Promise<Response> {
  const { onDenied, onError } = hooks;
  return (decision, request) => {
    // Every VERIFIER_* denial carries its error (the core's contract): that is what failed.
    const failure = decision.error;
    if (failure !== undefined && onError !== undefined) {
      if (onError === "throw") throw failure;
      return onError(failure, request);
    }
    if (onDenied !== undefined) return onDenied(decision, request);
    return denialResponse(decision);
  };
}

/**
 * The allow decision's headers (rate-limit state, fail-open flag) on the handler's
 * Response. A Response from `fetch` or `Response.redirect` has immutable headers:
 * that one is copied first.
 */
export function withAllowHeaders(
  response: Response,
  headers: Readonly<Record<string, string>>,
): Response {
  const names = Object.keys(headers);
  if (names.length === 0) return response;
  let out = response;
  try {
    for (const name of names) out.headers.set(name, headers[name] as string);
  } catch {
    out = new Response(response.body, response);
    for (const name of names) out.headers.set(name, headers[name] as string);
  }
  return out;
}
