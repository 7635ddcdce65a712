import type { KeySource } from "@keyguard/core/adapter";

// A registry-wide symbol: `@keyguard/hono/openapi` is its own bundle (and may be
// loaded as ESM beside a CJS copy of the middleware), so a module-local WeakMap would not do.
const OPENAPI_MARK = /* @__PURE__ */ Symbol.for("keyguard.hono.openapi");

/**
 * What a keyguard middleware enforces, for `@keyguard/hono/openapi`: `sources` (where
 * `unkey()` reads keys) only on `unkey()`. The sources, not their security schemes: the
 * schemes are worked out by `@keyguard/hono/openapi`, so that an app that never documents
 * itself (a Worker) does not carry that code.
 */
export interface GuardMark {
  readonly sources?: readonly KeySource[] | undefined;
  readonly permissions?: string | undefined;
}

/** Records on a middleware what it enforces. */
export function markGuard<M extends object>(middleware: M, mark: GuardMark): M {
  return Object.defineProperty(middleware, OPENAPI_MARK, { value: mark });
}

/** What a route handler enforces, if it is a keyguard middleware. */
export function guardMarkOf(handler: unknown): GuardMark | undefined {
  return typeof handler === "function"
    ? ((handler as { [OPENAPI_MARK]?: GuardMark })[OPENAPI_MARK] ?? undefined)
    : undefined;
}
