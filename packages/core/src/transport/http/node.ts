import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { type Answer, type ExchangeOptions, type Post, RequestBuildError } from "./exchange";
import { fetchPost } from "./fetch";

/** Which client this build uses by default. */
export const CLIENT = "node:http";

/** How long a keep-alive socket to Unkey may sit idle before this side closes it. */
export const FREE_SOCKET_IDLE_MS = 4000;

/** What an expired deadline rejects with: the reason `AbortSignal.timeout()` gives fetch. */
const timeoutError = () =>
  new DOMException("The operation was aborted due to timeout", "TimeoutError");

/** What ends an exchange at its deadline: the request, then the answer being read. */
interface Deadline {
  expired: DOMException | undefined;
  abort: ((error: Error) => void) | undefined;
}

/**
 * Reads a Node response up to `maxBytes`, destroying it past that (nothing more is buffered).
 * Listeners, not `for await`: the async iterator costs more than the read itself here.
 */
function readUpTo(
  message: IncomingMessage,
  maxBytes: number,
  deadline: Deadline,
): Promise<string | undefined> {
  const declared = Number(message.headers["content-length"] ?? Number.NaN);
  if (declared > maxBytes) {
    message.destroy();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    // The deadline rejects by itself: a stream destroyed already emits nothing more.
    deadline.abort = (error) => {
      reject(error);
      message.destroy(error);
    };
    if (deadline.expired !== undefined) return deadline.abort(deadline.expired);
    if (message.destroyed) return reject(new Error("The answer was cut off."));
    const chunks: Buffer[] = [];
    let size = 0;
    message.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve(undefined);
        message.destroy();
      } else chunks.push(chunk);
    });
    message.once("end", () => resolve(Buffer.concat(chunks, size).toString("utf8")));
    message.once("error", reject);
    // A connection closed mid-body; settling twice is a no-op once `end` or the cap resolved.
    message.once("close", () => reject(new Error("The answer was cut off.")));
  });
}

/** The request options for one origin, built once: `http.request(url)` converts the URL per call. */
function requestOptionsOf(url: URL, agent: HttpAgent): RequestOptions {
  const options: RequestOptions = {
    protocol: url.protocol,
    // `[::1]` is written with brackets in a URL, without them for a socket.
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port === "" ? undefined : Number(url.port),
    path: url.pathname + url.search,
    method: "POST",
    agent,
  };
  if (url.username !== "" || url.password !== "")
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}

/**
 * The HTTP client on Node: `node:http(s)` on a keep-alive agent for the Unkey
 * origin. undici's WHATWG `fetch` costs several hundred µs of CPU per call in
 * its stream and Headers layers, which every metered verification pays; this
 * path does the same exchange for a fraction of that (test/bench/RESULTS.md).
 * The deadline is one timer per exchange rather than an `AbortSignal.timeout()`,
 * whose signal plumbing cost more than a tenth of the call. A user-supplied
 * `fetch` still wins.
 */
export function createPost(options: ExchangeOptions): Post {
  if (options.fetch !== globalThis.fetch) return fetchPost(options);
  const url = new URL(options.url);
  const secure = url.protocol === "https:";
  const send = secure ? httpsRequest : httpRequest;
  // LIFO reuse keeps a few warm sockets busy instead of cycling through many. An idle socket
  // is closed after FREE_SOCKET_IDLE_MS, before a server's own idle timeout (Node's is 5 s)
  // closes it under a request: such a request fails (503), it is never sent again.
  const settings = { keepAlive: true, scheduling: "lifo", timeout: FREE_SOCKET_IDLE_MS } as const;
  const agent = secure ? new HttpsAgent(settings) : new HttpAgent(settings);
  const base = requestOptionsOf(url, agent);
  const headers = { authorization: options.authorization, "content-type": "application/json" };

  return (payload, timeoutMs) => {
    let request: ClientRequest;
    try {
      request = send({
        ...base,
        headers: { ...headers, "content-length": Buffer.byteLength(payload) },
      });
    } catch (error) {
      // Thrown before any I/O (Node validates headers and options here): our request, not Unkey.
      return Promise.reject(new RequestBuildError(error));
    }
    return exchange(request, payload, timeoutMs);
  };
}

/**
 * One exchange under one deadline (connecting, the answer and its body): when it passes, the
 * request or the answer being read is destroyed and the exchange rejects with a TimeoutError,
 * as fetch does. Never sent twice: a POST to Unkey may deduct credits or count a rate limit,
 * and a connection reset cannot tell whether Unkey read the request before it.
 */
function exchange(request: ClientRequest, payload: string, timeoutMs: number): Promise<Answer> {
  const deadline: Deadline = { expired: undefined, abort: undefined };
  const timer = setTimeout(() => {
    deadline.expired = timeoutError();
    deadline.abort?.(deadline.expired);
  }, timeoutMs);
  timer.unref(); // as AbortSignal.timeout(): a pending deadline alone keeps no process alive
  const settle = () => clearTimeout(timer);

  const answerOf = (message: IncomingMessage): Answer => ({
    status: message.statusCode ?? 0,
    header: (name) => {
      const value = message.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    read: (maxBytes) =>
      readUpTo(message, maxBytes, deadline).then(
        (text) => {
          settle();
          return text;
        },
        (error: unknown) => {
          settle();
          throw deadline.expired ?? error;
        },
      ),
  });

  return new Promise<Answer>((resolve, reject) => {
    let answered = false;
    const fail = (error: Error) => {
      if (answered) return; // the answer's own read reports what happens next
      settle();
      reject(deadline.expired ?? error);
    };
    deadline.abort = (error) => {
      fail(error);
      request.destroy(error);
    };
    request.once("response", (message) => {
      answered = true;
      resolve(answerOf(message));
    });
    // `on`, not `once`: a socket can fail again after the answer began, and an unheard
    // error would crash the process.
    request.on("error", fail);
    // A 101 (no upgrade listener) or any close before an answer may end with no 'error'.
    request.once("close", () => fail(new Error("The connection closed before an answer.")));
    request.end(payload);
  });
}
