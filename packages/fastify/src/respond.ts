import { type Decision, type Deny, isPromise } from "@keyguard/core";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { KeyguardFastifyOptions } from "./options";

/** Continues the request, or hands an error to Fastify's error handler. */
export type Next = (error?: unknown) => void;

type Hooks = Pick<KeyguardFastifyOptions, "onDenied" | "onError">;

/** Answers a denial: `onError` (verifier failures), then `onDenied`, then the default. */
async function refuse(hooks: Hooks, decision: Deny, request: FastifyRequest, reply: FastifyReply) {
  const { onDenied, onError } = hooks;
  if (decision.error !== undefined && onError !== undefined) {
    const pending = onError(decision.error, request, reply);
    if (pending !== reply && isPromise(pending)) await pending;
    if (reply.sent) return;
  }
  if (onDenied !== undefined) {
    const pending = onDenied(decision, request, reply);
    if (pending !== reply && isPromise(pending)) await pending;
    if (reply.sent) return;
  }
  // The decision's headers carry content-type application/problem+json (RFC 9457).
  reply.code(decision.status).headers(decision.headers).send(decision.body);
}

/** Builds the function that applies a decision: `request.unkey` and `next()`, or the denial. */
export function createSettle(hooks: Hooks) {
  return (decision: Decision, request: FastifyRequest, reply: FastifyReply, next: Next): void => {
    if (!decision.allowed) {
      // A denial replies and never calls `next`: the handler (and body parsing) never run.
      // A throw or rejection of onError/onDenied is `next(err)`: Fastify's error handler.
      refuse(hooks, decision, request, reply).catch(next);
      return;
    }
    for (const name in decision.headers) reply.header(name, decision.headers[name]);
    request.unkey = decision.context ?? null;
    next();
  };
}
