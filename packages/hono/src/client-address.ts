import type { Context } from "hono";

/** Hono's connection-info helper for your runtime (`getConnInfo` from `@hono/node-server/conninfo`, `hono/bun`, `hono/cloudflare-workers`, …). */
export type GetConnInfo = (c: Context) => { remote: { address?: string | undefined } };

/**
 * The client address `identify.ip(getConnInfo)` reads, for a guard's `failureBudget`; or
 * `undefined` when the runtime cannot tell it, and the request is then not budgeted. Hono's
 * helpers throw where their runtime's bindings are missing (@hono/node-server's reads
 * `c.env.incoming`, absent under `app.request()` or a sub-request `app.fetch(new Request(…))`):
 * the budget only spares Unkey calls, so it never turns a request it cannot place into a 500.
 */
export function clientAddressOf(getConnInfo: GetConnInfo, c: Context): string | undefined {
  try {
    const address = getConnInfo(c).remote.address;
    return typeof address === "string" && address !== "" ? address : undefined;
  } catch {
    return undefined;
  }
}
