import { Agent, request } from "node:http";
import { connect } from "node:net";
import type { RawResponse } from "../conformance/http";

/** Collects a response into a RawResponse. */
function collect(res: import("node:http").IncomingMessage): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("error", reject);
    res.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      resolve({
        status: res.statusCode ?? 0,
        headers,
        text: Buffer.concat(chunks).toString("utf8"),
      });
    });
  });
}

/** A keep-alive client with a bounded socket pool, for bulk requests. */
export interface KeepAliveClient {
  get(path: string, headers: Record<string, string>): Promise<RawResponse>;
  close(): void;
}

/** Opens a keep-alive client towards `baseUrl` with at most `maxSockets` connections. */
export function keepAliveClient(baseUrl: string, maxSockets: number): KeepAliveClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    get(path, headers) {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path,
            method: "GET",
            headers,
            agent,
            // Only for a request that never ends: with 50 in flight on a saturated machine an
            // answer was seen to take 5 s.
            timeout: 60_000,
          },
          (res) => collect(res).then(resolve, reject),
        );
        req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer in 60 s`)));
        req.on("error", reject);
        req.end();
      });
    },
    close: () => agent.destroy(),
  };
}

/**
 * Writes a request byte for byte over a plain socket (latin1), for header values
 * that Node's HTTP client refuses to send (control characters such as \x01, \x7f).
 * Answers the status, the lower-cased headers and the raw body.
 */
export function sendRawSocket(
  baseUrl: string,
  path: string,
  headerLines: readonly string[],
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => socket.destroy(new Error("raw socket: no answer in 10 s")),
      10_000,
    );
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString("latin1");
      const split = raw.indexOf("\r\n\r\n");
      const head = split === -1 ? raw : raw.slice(0, split);
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(" ")[1] ?? 0),
        headers,
        text: split === -1 ? "" : raw.slice(split + 4),
      });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n${headerLines
        .map((line) => `${line}\r\n`)
        .join("")}\r\n`,
      "latin1",
    );
  });
}

/** Runs `task` over `items` with at most `limit` in flight; answers results in order. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
