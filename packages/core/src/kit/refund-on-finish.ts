import type { Refund } from "../guard/refund-for";

/** A Node response as Express hands it over, and Fastify as `reply.raw`. */
export interface FinishingResponse {
  readonly statusCode: number;
  once(event: "finish", listener: () => void): unknown;
}

/**
 * Claims `refund` with the status of the response once it has been sent in full (Node's
 * `finish`: the last byte handed to the operating system), whatever produced it: the
 * handler, or the framework's error handler turning a throw into a 500. A response that
 * never finishes (the client hung up first: `close` without `finish`) claims nothing: the
 * handler ran, and no status was delivered to judge by.
 *
 * @example
 * ```ts
 * refundWhenFinished(res, guard.refundFor(decision, route));
 * ```
 */
export function refundWhenFinished(response: FinishingResponse, refund: Refund | undefined): void {
  if (refund === undefined) return;
  response.once("finish", () => refund(response.statusCode));
}
