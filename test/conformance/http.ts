import { request } from "node:http";

/** A response as the conformance suite reads it. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/**
 * Sends one request over a fresh connection with exactly the headers given, in
 * order and repeated as listed: Node's raw-header array form makes two
 * `Authorization` lines really go out, which fetch and supertest would merge.
 * Header values are written as latin1, so non-ASCII bytes reach the server.
 */
export function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: readonly (readonly [string, string])[],
): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  // With raw headers Node adds no Host, which HTTP/1.1 requires (RFC 9112 §3.2).
  const raw = [["host", url.host] as const, ...headers].flat();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: raw,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on("error", reject);
    req.end();
  });
}
