import type { KeyContext } from "@keyguard/core";
import type { Context } from "hono";

/**
 * The key `unkey()` let in for this request, typed non-optional: for handlers
 * behind an app-wide `app.use(unkey())`. Throws when there is none (the route is
 * not guarded, or the request was skipped or a CORS preflight), which reaches
 * `app.onError`: never a handler running as if a key had been verified.
 *
 * @example
 * ```ts
 * app.use("/api/*", unkey());
 * app.get("/api/me", (c) => c.json({ keyId: keyOf(c).keyId }));
 * ```
 */
export function keyOf(c: Context): KeyContext {
  const context = c.get("unkey");
  if (context === undefined) {
    throw new TypeError(
      `keyOf(c): no key was verified for ${c.req.method} ${c.req.path}; put unkey() before this handler.`,
    );
  }
  return context;
}
