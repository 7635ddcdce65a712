import type { GuardOptions } from "@keyguard/core";
import { prepareRequest, routeSummary } from "@keyguard/core/adapter";
import type { FastifyInstance } from "fastify";
import { scopesUp } from "./scope-audit";

/** What the plugin asks of every route it guards, as its options were written (`cost: 5`). */
function ownRequirements(options: GuardOptions): string {
  const { permissions, tags, cost, ratelimits } = options;
  try {
    return routeSummary(prepareRequest({ permissions, tags, cost, ratelimits }));
  } catch {
    // A bad option: createGuard() rejects it next, naming it, in its own order of checks.
    return "";
  }
}

/**
 * The plugin as the refusal that involves two of them names it (`Guard.again` in the core):
 * where it was registered, what it asks of every route, and whether it runs as a hook or
 * through `verifyUnkey`. Two registrations in unprefixed scopes share a prefix (`""`), so the
 * prefix alone could name both "at the root".
 *
 * @example
 * ```ts
 * pluginName(scope, false, { cost: 5 });
 * // 'verifyUnkey of the keyguard plugin registered in the scope "/api" (with { cost: 5 })'
 * ```
 */
export function pluginName(scope: FastifyInstance, addHook: boolean, options: GuardOptions) {
  const where =
    scopesUp(scope).length === 1
      ? "at the root"
      : scope.prefix === ""
        ? "in a nested scope"
        : `in the scope ${JSON.stringify(scope.prefix)}`;
  const requirements = ownRequirements(options);
  const name = `the keyguard plugin registered ${where}${requirements === "" ? "" : ` (with { ${requirements} })`}`;
  return addHook ? name : `verifyUnkey of ${name}`;
}
