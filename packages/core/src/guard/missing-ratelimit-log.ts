import type { Logger, VerifyResult } from "../types";

/** Enough for every route and limit name of an app; past it, nothing more is logged. */
const MAX_REMEMBERED = 1000;

/**
 * Logs, once per route and limit name, that Unkey refused to verify a key lacking a rate
 * limit the route applies (its 412): such keys get 403 `MISSING_RATELIMIT` on that route
 * while every other key passes, which only the server's owner can fix.
 */
export function missingRatelimitLog(logger: Logger) {
  const seen = new Set<string>();
  return (result: VerifyResult, route: string | undefined): void => {
    if (result.code !== "MISSING_RATELIMIT") return;
    const name = result.missingRatelimit;
    const where = `${route ?? "a route"}\n${name ?? ""}`;
    if (seen.has(where) || seen.size >= MAX_REMEMBERED) return;
    seen.add(where);
    const limit =
      name === undefined ? "a rate limit" : `a rate limit named ${JSON.stringify(name)}`;
    logger.warn(
      `[keyguard] ${route ?? "A route"} applies ${limit} that key ${result.keyId ?? "(unnamed)"} (and its identity) does not have: Unkey refuses to verify such keys (HTTP 412), so they get 403 MISSING_RATELIMIT there while other keys pass. Give those keys or their identity the limit, or give the route's limit both \`limit\` and \`duration\` (an ad-hoc limit on every key).`,
    );
  };
}
