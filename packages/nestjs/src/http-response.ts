/** What Express's `res` and Fastify's `reply` have in common for writing an answer. */
export interface HttpResponseLike {
  /** Express / Node `ServerResponse`. */
  setHeader?(name: string, value: string): unknown;
  /** Fastify `reply`. */
  header?(name: string, value: string): unknown;
  status(code: number): unknown;
  send(body: string): unknown;
}

/** Sets one header on an Express response or a Fastify reply. */
export function setResponseHeader(response: HttpResponseLike, name: string, value: string): void {
  if (typeof response.setHeader === "function") response.setHeader(name, value);
  else response.header?.(name, value);
}

/**
 * Writes a problem+json answer on either platform. The body is serialized here:
 * Nest's own reply path would rewrite a non-JSON content type to application/json.
 */
export function sendProblem(
  response: HttpResponseLike,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: object,
): void {
  for (const name in headers) setResponseHeader(response, name, headers[name] as string);
  response.status(status);
  response.send(JSON.stringify(body));
}
