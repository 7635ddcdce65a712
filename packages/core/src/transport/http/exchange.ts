/** One upstream answer as the transport reads it, whatever the HTTP client. */
export interface Answer {
  readonly status: number;
  /** A response header, lower-case name; `undefined` when absent. */
  header(name: string): string | undefined;
  /** The body as UTF-8 text, or `undefined` once it passes `maxBytes` (reading stops there). */
  read(maxBytes: number): Promise<string | undefined>;
}

/**
 * Posts a JSON payload to one Unkey endpoint under one deadline of `timeoutMs` for the whole
 * exchange, reading the body included; rejects like fetch does (TimeoutError, ECONNREFUSED, …).
 */
export type Post = (payload: string, timeoutMs: number) => Promise<Answer>;

/** What an HTTP client needs to reach one Unkey endpoint: built once per verifier or rate limiter. */
export interface ExchangeOptions {
  readonly url: string;
  readonly authorization: string;
  readonly fetch: typeof globalThis.fetch;
}

/**
 * keyguard's own request could not be built (the client refused a header, the URL or
 * the payload before anything was sent): a misconfiguration, never an outage of Unkey.
 * Keeps only the client's error code: a client's message may quote a header, and the
 * `Authorization` header holds the root key.
 */
export class RequestBuildError extends Error {
  override readonly name = "RequestBuildError";
  readonly code: string | undefined;

  constructor(source: unknown) {
    const code = (source as { code?: unknown } | undefined)?.code;
    const token = typeof code === "string" && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : undefined;
    super(`The HTTP client refused keyguard's request to Unkey${token ? ` (${token})` : ""}.`);
    this.code = token;
  }
}
