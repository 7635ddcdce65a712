import { readCapped } from "../read-capped";
import { type Answer, type ExchangeOptions, type Post, RequestBuildError } from "./exchange";

/** POSTs through a WHATWG `fetch` (the runtime's, or the one the user gave). */
export function fetchPost(options: ExchangeOptions): Post {
  const { url, authorization } = options;
  const fetchImpl = options.fetch;
  const headers = { authorization, "content-type": "application/json" };
  // The headers never change: the runtime's own validation runs once, here, so that a value
  // it refuses is a start-up error rather than a failed request that looks like an outage.
  try {
    new Headers(headers);
  } catch (error) {
    throw new RequestBuildError(error);
  }
  return async (payload, timeoutMs) => {
    // One deadline for the whole exchange: connecting, the answer and its body. Raced here
    // too, not only handed to fetch: a custom fetch that drops the signal must not hang.
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await beforeDeadline(
      fetchImpl(url, { method: "POST", headers, body: payload, signal }),
      signal,
    );
    const answer: Answer = {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      read: (maxBytes) => beforeDeadline(readCapped(response, maxBytes), signal),
    };
    return answer;
  };
}

/** `work`, or the signal's reason (a TimeoutError) once it aborts, whichever comes first. */
function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  // A late rejection of the abandoned work is handled, never unhandled.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  });
}
