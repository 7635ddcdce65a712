import type { KeyContext } from "@keyguard/core";
import { withoutQuery } from "@keyguard/core/adapter";
import type { Request } from "express";

/**
 * The key `unkey()` let in for this request, typed non-optional: for handlers
 * behind `unkey()`. Throws when there is none (the route is not guarded, or the
 * request was skipped or a CORS preflight), so a mistake in the route order is
 * a 500 naming it, never a handler running as if a key had been verified.
 *
 * @example
 * ```ts
 * app.get("/me", unkey(), (req, res) => res.json({ keyId: keyOf(req).keyId }));
 * ```
 */
export function keyOf(req: Request): KeyContext {
  if (req.unkey === undefined) {
    throw new TypeError(
      `keyOf(req): no key was verified for ${req.method} ${withoutQuery(req.originalUrl ?? req.url)}; put unkey() before this handler.`,
    );
  }
  return req.unkey;
}
