import type { KeyContext } from "@keyguard/core";
import { withoutQuery } from "@keyguard/core/adapter";
import type { FastifyRequest } from "fastify";

/**
 * The key the `keyguard` plugin let in for this request, typed non-optional: for
 * handlers of routes it guards. Throws when there is none (the route is public,
 * outside the plugin's scope, or the request was skipped or a CORS preflight), which
 * reaches your error handler: never a handler running as if a key had been verified.
 *
 * @example
 * ```ts
 * await app.register(keyguard);
 * app.get("/me", (request) => ({ keyId: keyOf(request).keyId }));
 * ```
 */
export function keyOf(request: FastifyRequest): KeyContext {
  if (request.unkey === undefined) {
    const path = request.routeOptions.url ?? withoutQuery(request.url);
    throw new TypeError(
      `keyOf(request): no key was verified for ${request.method} ${path}; register the keyguard plugin in a scope that contains this route (and do not mark it public).`,
    );
  }
  return request.unkey;
}
