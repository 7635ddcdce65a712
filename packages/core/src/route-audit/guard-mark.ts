import type { KeySource } from "../extract/extract-key";
import type { RouteRequirements } from "./found-route";

/**
 * What a keyguard middleware enforces on the routes it runs in front of, for the
 * adapters that find their guards among a router's middleware (Express, Hono): the
 * OpenAPI helpers and the route audit read it. `sources` (where the guard reads keys) only
 * on a guard that verifies a key (`unkey()`), never on one that checks a key already let in
 * (`requirePermissions()`). The sources, not their security schemes: the OpenAPI helpers
 * work the schemes out with `schemesOf`, so an app that never documents itself (a Worker)
 * does not carry that code.
 */
export interface GuardMark extends RouteRequirements {
  readonly sources?: readonly KeySource[] | undefined;
}

// A registry-wide symbol: an adapter's subpath bundles (`@keyguard/hono/openapi`) and a CJS
// copy loaded beside the ESM one must read the mark the main bundle set.
const GUARD_MARK = /* @__PURE__ */ Symbol.for("keyguard.guard-mark");

/**
 * Records on a middleware what it enforces; returns the middleware.
 *
 * @example
 * ```ts
 * return markGuard(middleware, { sources: guard.sources, ...requirementsOf(guard.route()) });
 * ```
 */
export function markGuard<M extends object>(middleware: M, mark: GuardMark): M {
  return Object.defineProperty(middleware, GUARD_MARK, { value: mark });
}

/** What a handler enforces, if it is a keyguard middleware. */
export function guardMarkOf(handler: unknown): GuardMark | undefined {
  return typeof handler === "function"
    ? ((handler as { [GUARD_MARK]?: GuardMark })[GUARD_MARK] ?? undefined)
    : undefined;
}

/** Whether a mark is a guard that verifies a key, rather than one that reads a verified key. */
export const verifiesKey = (mark: GuardMark): boolean => mark.sources !== undefined;
