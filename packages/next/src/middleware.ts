import { KeyguardConfigError, type Verifier } from "@keyguard/core";
import { hookBoolean } from "@keyguard/core/adapter";
// ".js": Next has no exports map, and Node's ESM resolver needs the file name.
import { NextResponse } from "next/server.js";
import { createBinder } from "./binding";
import { createNextGuard, deferredInBuild } from "./guard";
import { CONTEXT_HEADER, sealContext } from "./handoff";
import { contextSecretOf, splitOptions, type UnkeyNextOptions } from "./options";
import { guardRequestOf, keyOf, presentedKey } from "./request";
import { createRefuse } from "./respond";

/** Options of `unkeyMiddleware()`: the same as `withUnkey()`'s. */
export type UnkeyMiddlewareOptions = UnkeyNextOptions;

/** A Next middleware function; `verifier` is its verifier, to share its cache. */
export type UnkeyMiddleware = ((request: Request) => Promise<Response>) & {
  readonly verifier: Verifier;
};

/**
 * Next.js middleware (`middleware.ts`, Edge or Node runtime: Web APIs only; on Next.js 16,
 * `proxy.ts` with `unkeyProxy()`, the same function under Next's new name) that lets
 * a request continue to its route only with a valid Unkey API key and the options'
 * `permissions`; denials are the same problem+json Responses as `withUnkey()`'s.
 *
 * The key's context is handed to route handlers on the `x-keyguard-context` request
 * header, signed (HMAC-SHA-256) with `contextSecret` and bound to this request's method
 * and path, to the key it presents (the MAC covers it; the key is never sent) and to how
 * the middleware verified (Unkey URL, root key, key sources); `withUnkey()` accepts it
 * instead of verifying a second time only where all of these match its own. Any incoming
 * header of that name is deleted first, on every request, so a client can never supply
 * one; where the middleware does not run, a captured value is worth nothing without the
 * key it was made for. A fail-open pass (Unkey down, `failureMode: "open"`) hands nothing
 * on: the route verifies the request itself. Choose the routes with `config.matcher`, and
 * leave metered routes (`cost`, `ratelimits`) out of it: Unkey deducts 1 credit from a key
 * with credits on every verification, the middleware's included, so a metered route behind
 * the middleware would spend its `cost` plus 1.
 *
 * @example
 * ```ts
 * // middleware.ts
 * import { unkeyMiddleware } from "@keyguard/next";
 *
 * export default unkeyMiddleware({ permissions: "api.read" });
 * export const config = { matcher: "/api/:path*" };
 * ```
 */
export function unkeyMiddleware(options?: UnkeyMiddlewareOptions): UnkeyMiddleware {
  const { hooks, guardOptions } = splitOptions(options);
  const { getKey, skip } = hooks;
  const setup = deferredInBuild(guardOptions, () => {
    const contextSecret = contextSecretOf(options);
    if (contextSecret === undefined) {
      throw new KeyguardConfigError(
        "contextSecret",
        "needed to sign the context handed to route handlers: set it, KEYGUARD_CONTEXT_SECRET, rootKey or UNKEY_ROOT_KEY.",
      );
    }
    const guard = createNextGuard(guardOptions);
    return { guard, contextSecret, bindingOf: createBinder(guard, getKey !== undefined) };
  });
  const refuse = createRefuse(hooks);

  const middleware = async (request: Request): Promise<Response> => {
    const headers = new Headers(request.headers);
    headers.delete(CONTEXT_HEADER);
    if (skip !== undefined && (await hookBoolean("skip", skip(request)))) {
      return NextResponse.next({ request: { headers } });
    }
    const { guard, contextSecret, bindingOf } = setup();
    const guardRequest = guardRequestOf(request, await presentedKey(getKey, request));
    const decision = await guard.check(guardRequest);
    if (!decision.allowed) return refuse(decision, request);
    // Bound to the key that was presented: a captured value serves only a request presenting
    // that same key, never one with no key or another (issue 27). A fail-open pass verified
    // nothing, so nothing is handed on: the route verifies itself (and fails open on its own
    // while the outage lasts), and never takes such a hand-off anyway (handed-context.ts).
    const key = keyOf(guardRequest, guard.sources);
    const context = decision.context;
    if (context !== undefined && context.source !== "fail-open" && key !== undefined) {
      const binding = await bindingOf(request, key);
      headers.set(CONTEXT_HEADER, await sealContext(context, contextSecret, binding));
    }
    const response = NextResponse.next({ request: { headers } });
    for (const [name, value] of Object.entries(decision.headers)) response.headers.set(name, value);
    return response;
  };
  // A getter: during `next build` the verifier is created at first use (see deferredInBuild).
  return Object.defineProperty(middleware, "verifier", {
    get: () => setup().guard.verifier,
    enumerable: true,
  }) as UnkeyMiddleware;
}
