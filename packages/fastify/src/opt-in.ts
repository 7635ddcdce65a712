import type { RouteOptions } from "fastify";
import { asksForKey } from "./scope-audit";

/** How a route of a decorate-only plugin (`addHook: false`) takes part in its guard, for the audit. */
export interface OptIn {
  /** `app.verifyUnkey` is in the route's `onRequest` hooks: the route is documented as guarded. */
  readonly runs: boolean;
  /** `app.verifyUnkey` is its first `onRequest` hook: no hook of the route answers before it. */
  readonly first: boolean;
  /** Why the route is listed open though it names the guard, when it does. */
  readonly note: string | undefined;
}

const NOT_FIRST_ASKS =
  "asks for a key (config.unkey) but app.verifyUnkey is not its first onRequest hook: misconfigured, a hook or handler before it may answer without a key";
const NOT_FIRST =
  "runs app.verifyUnkey, but not as its first onRequest hook: a hook before it may answer without a key";

/**
 * Reads a route's own `onRequest` hooks. Fastify runs a route's hooks in the order given,
 * and any of them (or a `preParsing` / `preValidation` / `preHandler` hook, or an
 * `@fastify/auth` composition with `relation: "or"`) may reply before verifyUnkey runs:
 * only verifyUnkey first lets the audit promise that a keyless request is refused. The
 * handler's GUARD_MISSING wrapper (opt-in-audit.ts) comes after every hook, too late for that.
 */
export function optInOf(route: RouteOptions, verifyUnkey: unknown): OptIn {
  const hooks: unknown[] = [route.onRequest ?? []].flat();
  const first = hooks[0] === verifyUnkey;
  const runs = hooks.includes(verifyUnkey);
  if (first) return { runs, first, note: undefined };
  if (asksForKey(route.config?.unkey)) return { runs, first, note: NOT_FIRST_ASKS };
  return { runs, first, note: runs ? NOT_FIRST : undefined };
}
