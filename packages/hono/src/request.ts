import type { GuardRequest } from "@keyguard/core/adapter";
import type { Context } from "hono";

/** The parts of Node's `IncomingMessage` the guard reads (no `node:` import: Workers too). */
interface NodeIncoming {
  readonly method?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders: readonly string[];
}

/**
 * Whether `raw` is the Request @hono/node-server built from `incoming` (it keeps
 * the message under a symbol of its own), and not, say, a sub-request passed to
 * `app.fetch(new Request(…), c.env)`, which carries the same `c.env` but headers
 * of its own. If the server stops keeping it so, the WHATWG headers are read:
 * slower, never wrong.
 */
function builtFrom(raw: Request, incoming: object): boolean {
  for (const symbol of Object.getOwnPropertySymbols(raw))
    if ((raw as unknown as Record<symbol, unknown>)[symbol] === incoming) return true;
  return false;
}

/** Node's request behind this one, when @hono/node-server serves it (`c.env.incoming`). */
function nodeIncoming(c: Context): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming;
  if (
    typeof incoming?.headers !== "object" ||
    incoming.headers === null ||
    !Array.isArray(incoming.rawHeaders) ||
    !builtFrom(c.req.raw, incoming)
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
export function guardRequestOf(
  c: Context,
  key: string | null | undefined,
  address: string | undefined,
): GuardRequest {
  const incoming = nodeIncoming(c);
  return {
    // A plain field read (cheaper than testing `guard.readsMethod` first): always passed.
    method: c.req.method,
    headers: incoming === undefined ? c.req.raw.headers : incoming.headers,
    rawHeaders: incoming?.rawHeaders,
    url: c.req.url,
    address,
    key,
  };
}
