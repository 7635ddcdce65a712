import type { FastifyRequest } from "fastify";

// Requests a keyguard guard settled without letting a key in: a `skip` that let the request
// through, a CORS preflight, or verifyUnkey's refusal, which the user's strategy may catch
// (`@fastify/auth` with `relation: "or"` tries the next strategy). A WeakSet keeps Fastify's
// request objects their shape, and lets each go with its request.
const settledKeyless = new WeakSet<FastifyRequest>();

/** Records that a keyguard guard decided on `request` without setting `request.unkey`. */
export function noteGuardRan(request: FastifyRequest): void {
  settledKeyless.add(request);
}

/**
 * Whether a keyguard guard (an `onRequest` hook or verifyUnkey) decided on `request`:
 * `request.unkey` is set only by one that let a key in, so the common case costs no lookup.
 */
export function guardRan(request: FastifyRequest): boolean {
  return request.unkey !== undefined || settledKeyless.has(request);
}
