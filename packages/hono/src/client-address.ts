import type { Context } from "hono";

/** Hono's connection-info helper for your runtime (`getConnInfo` from `@hono/node-server/conninfo`, `hono/bun`, `hono/cloudflare-workers`, …). */
export type GetConnInfo = (c: Context) => { remote: { address?: string | undefined } };

/**
 * Where a `failureBudget` finds a request's client, grouped as `identify.ip()` groups it:
 * `identify.ip(getConnInfo)` (its `trustProxy`-free reading of the runtime's address and its
 * `ipv6Subnet`). A function of yours, so that a Worker without a budget bundles no IP parser.
 */
export type ClientAddress = (c: Context) => string | undefined | Promise<string | undefined>;

/**
 * The client's group for a guard's `failureBudget`; `undefined` when it cannot be told, and
 * the request is then not budgeted. Hono's helpers throw where their runtime's bindings are
 * missing (@hono/node-server's reads `c.env.incoming`, absent under `app.request()`), and
 * `identify.ip()` throws on an address that is not an IP: the budget only spares Unkey calls,
 * so it never turns a request it cannot place into a 500.
 */
export async function clientAddressOf(
  clientAddress: ClientAddress,
  c: Context,
): Promise<string | undefined> {
  try {
    const address = await clientAddress(c);
    return typeof address === "string" && address !== "" ? address : undefined;
  } catch {
    return undefined;
  }
}
