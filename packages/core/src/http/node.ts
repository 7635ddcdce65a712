import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Answer, ExchangeOptions, Post } from "./exchange";
import { fetchPost } from "./fetch";

/** Reads a Node response up to `maxBytes`, destroying it past that (nothing more is buffered). */
async function readMessage(
  message: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    return await readUpTo(message, maxBytes);
  } catch (error) {
    // An abort mid-body surfaces as the signal's reason (a TimeoutError), as with fetch.
    throw signal.aborted ? signal.reason : error;
  }
}

async function readUpTo(message: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const declared = Number(message.headers["content-length"] ?? Number.NaN);
  if (declared > maxBytes) {
    message.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      message.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/** Which client this build uses by default. */
export const CLIENT = "node:http";

function answerOf(message: IncomingMessage, signal: AbortSignal): Answer {
  return {
    status: message.statusCode ?? 0,
    header: (name) => {
      const value = message.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    read: (maxBytes) => readMessage(message, maxBytes, signal),
  };
}

/**
 * The HTTP client on Node: `node:http(s)` on a keep-alive agent for the Unkey
 * origin. undici's WHATWG `fetch` costs several hundred µs of CPU per call in
 * its stream and Headers layers, which every metered verification pays; this
 * path does the same exchange for a fraction of that (test/bench/RESULTS.md).
 * A user-supplied `fetch` still wins.
 */
export function createPost(options: ExchangeOptions): Post {
  if (options.fetch !== globalThis.fetch) return fetchPost(options);
  const url = new URL(options.url);
  const secure = url.protocol === "https:";
  const send = secure ? httpsRequest : httpRequest;
  // LIFO reuse keeps a few warm sockets busy instead of cycling through many.
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, scheduling: "lifo" })
    : new HttpAgent({ keepAlive: true, scheduling: "lifo" });
  const headers = { authorization: options.authorization, "content-type": "application/json" };

  function exchange(payload: string, signal: AbortSignal, mayRetry: boolean): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      let answered = false;
      const request = send(url, {
        method: "POST",
        agent,
        signal,
        headers: { ...headers, "content-length": Buffer.byteLength(payload) },
      });
      request.once("response", (message) => {
        answered = true;
        resolve(answerOf(message, signal));
      });
      // An abort surfaces as the signal's reason (a TimeoutError), as with fetch. `on`, not
      // `once`: a socket can fail again after the answer began, and an unheard error would crash.
      request.on("error", (error) => {
        if (mayRetry && !answered && isStaleSocket(request.reusedSocket, error, signal))
          resolve(exchange(payload, signal, false));
        else reject(signal.aborted ? signal.reason : error);
      });
      request.end(payload);
    });
  }

  return (payload, signal) => exchange(payload, signal, true);
}

/**
 * A keep-alive socket that the server closed while it sat idle fails with ECONNRESET when
 * it is reused, before any answer: the server never read the request, so it is sent once
 * more, on another socket (Node's own advice for keep-alive agents). A reset on a fresh
 * socket, or once an answer began, is an error as before.
 */
function isStaleSocket(reused: boolean, error: unknown, signal: AbortSignal): boolean {
  return reused && !signal.aborted && (error as { code?: unknown }).code === "ECONNRESET";
}
