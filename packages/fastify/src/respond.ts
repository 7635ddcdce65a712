import type { Deny } from "@keyguard/core";
import { type Allow, type Decision, isPromise } from "@keyguard/core/adapter";
import type { FastifyReply, FastifyRequest } from "fastify";
import { noteGuardRan } from "./guard-ran";
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

/** Applies a decision to a request. */
export type Settle = (
  decision: Decision,
  request: FastifyRequest,
  reply: FastifyReply,
  next: Next,
) => void;

function admit(decision: Allow, request: FastifyRequest, reply: FastifyReply, next: Next) {
  for (const name in decision.headers) reply.header(name, decision.headers[name]);
  request.unkey = decision.context;
  // A CORS preflight is let in keyless: a decorate-only route's handler check must know.
  if (decision.context === undefined) noteGuardRan(request);
  next();
}

/**
 * A denial as `verifyUnkey` reports it in decorate-only mode (`addHook: false`):
 * thrown, the way an `@fastify/auth` strategy fails, with the denial's `statusCode`
 * and `code`; `decision` holds the problem+json `body` and `headers` for an error
 * handler that wants to send them.
 */
export class UnkeyDeniedError extends Error {
  override readonly name = "UnkeyDeniedError";
  readonly statusCode: number;
  readonly code: string;
  readonly decision: Deny;

  constructor(decision: Deny) {
    super(decision.body.detail, { cause: decision.error });
    this.statusCode = decision.status;
    this.code = decision.code;
    this.decision = decision;
  }
}

/** Decorate-only mode: admit, or fail with an {@link UnkeyDeniedError}. */
export const settleOrThrow: Settle = (decision, request, reply, next) => {
  if (decision.allowed) admit(decision, request, reply, next);
  else next(new UnkeyDeniedError(decision));
};

/** Builds the function that applies a decision: `request.unkey` and `next()`, or the denial. */
export function createSettle(hooks: Hooks): Settle {
  return (decision, request, reply, next) => {
    if (!decision.allowed) {
      // A denial replies and never calls `next`: the handler (and body parsing) never run.
      // A throw or rejection of onError/onDenied is `next(err)`: Fastify's error handler.
      refuse(hooks, decision, request, reply).catch(next);
      return;
    }
    admit(decision, request, reply, next);
  };
}
