import type { GuardRequest } from "@keyguard/core";
import type { Context } from "hono";

/** The parts of Node's `IncomingMessage` the guard reads (no `node:` import: Workers too). */
interface NodeIncoming {
  readonly method?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders: readonly string[];
}

/** Node's request behind this one, when @hono/node-server serves it (`c.env.incoming`). */
function nodeIncoming(c: Context): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming;
  if (
    typeof incoming?.headers !== "object" ||
    incoming.headers === null ||
    !Array.isArray(incoming.rawHeaders) ||
    incoming.method !== c.req.method
  ) {
    return undefined;
  }
  return incoming as NodeIncoming;
}

/**
 * The request facts the guard reads. On @hono/node-server they come from Node's own
 * parsed headers: the first read of `c.req.raw.headers` there builds a WHATWG `Headers`
 * from every raw header, which cost more than the whole cached verification (see
 * test/bench/RESULTS.md). Node keeps only the first of two `Authorization` headers, so
 * its `rawHeaders` go along and the core refuses the duplicate, as it refuses the
 * comma-joined pair that `Headers` gives everywhere else.
 */
export function guardRequestOf(c: Context, key: string | null | undefined): GuardRequest {
  const incoming = nodeIncoming(c);
  return {
    method: c.req.method,
    headers: incoming === undefined ? c.req.raw.headers : incoming.headers,
    rawHeaders: incoming?.rawHeaders,
    url: c.req.url,
    key,
  };
}
