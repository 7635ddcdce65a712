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
    // One deadline for the whole exchange: connecting, the answer and its body.
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetchImpl(url, { method: "POST", headers, body: payload, signal });
    const answer: Answer = {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      read: (maxBytes) => readCapped(response, maxBytes),
    };
    return answer;
  };
}
