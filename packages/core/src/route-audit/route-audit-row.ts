/**
 * How a route is reached: `"key"` behind a keyguard guard that verifies an API key,
 * `"public"` marked as deliberately served without one, `"open"` neither.
 */
export type RouteAccess = "key" | "public" | "open";

/**
 * One route of an app, as `auditRoutes(app)` lists it.
 *
 * @example
 * ```ts
 * const row: RouteAuditRow = { method: "GET", path: "/docs/:id", access: "key", permissions: "docs.read" };
 * ```
 */
export interface RouteAuditRow {
  /** The HTTP method, upper case; `ALL` for a route that answers every method. */
  readonly method: string;
  /** The route's path as the framework spells it, prefixes included (`/v1/docs/:id`). */
  readonly path: string;
  readonly access: RouteAccess;
  /** The permission query the key must satisfy (the guards' queries joined with AND). */
  readonly permissions?: string;
  /** The credits each request deducts. */
  readonly cost?: number;
  /** The names of the key's rate limits each request counts against. */
  readonly ratelimits?: readonly string[];
}

/**
 * Options of `auditRoutes(app, options)` and `assertNoOpenRoutes(app, options)`.
 *
 * @example
 * ```ts
 * const options: RouteAuditOptions = { public: ["GET /health", "POST /webhooks/stripe"] };
 * ```
 */
export interface RouteAuditOptions {
  /**
   * Routes served without a key on purpose, each as `"METHOD /path"`, spelled as the audit
   * lists it (`"GET /health"`, `"ALL /status"`). Each must name a route of the app: one that
   * names none is refused, since a typo would leave the route it meant listed as open.
   * A route a guard covers stays `"key"`.
   * @default []
   */
  readonly public?: readonly string[] | undefined;
}
