import { type Refund, refundWhenFinished } from "@keyguard/core/adapter";
import type { HttpResponseLike } from "./http-response";

/** Node's `ServerResponse` as both platforms expose it: Express's `res` itself, Fastify's `reply.raw`. */
interface NodeResponse {
  readonly statusCode: number;
  once(event: "finish", listener: () => void): unknown;
}

const isNodeResponse = (value: unknown): value is NodeResponse =>
  typeof (value as NodeResponse | undefined)?.once === "function" &&
  typeof (value as NodeResponse).statusCode === "number";

/**
 * Claims `refund` when the platform's response finishes, with the status Nest's exception
 * layer sent (a handler's throw answered 500 by the default filter included). A transport
 * without a Node response (GraphQL over websockets, say) claims nothing.
 */
export function refundOnResponse(response: HttpResponseLike, refund: Refund): void {
  const raw = (response as { raw?: unknown }).raw;
  const node = isNodeResponse(raw) ? raw : isNodeResponse(response) ? response : undefined;
  if (node !== undefined) refundWhenFinished(node, refund);
}
