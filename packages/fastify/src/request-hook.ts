import {
  type Decision,
  type Guard,
  hookBoolean,
  isPromise,
  type PreparedRequest,
  refundWhenFinished,
  whenSettled,
} from "@keyguard/core/adapter";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { noteGuardRan } from "./guard-ran";
import type { KeyguardFastifyOptions } from "./options";
import type { Next, Settle } from "./respond";
import { PUBLIC, type RouteTable } from "./route-table";

/** Guards one request and settles the decision with `settle`. */
export type GuardRequest = (
  settle: Settle,
  request: FastifyRequest,
  reply: FastifyReply,
  next: Next,
) => void;

type Check = (
  settle: Settle,
  request: FastifyRequest,
  reply: FastifyReply,
  next: Next,
  route: PreparedRequest,
  pattern: string | undefined,
  key?: string | null,
) => void;

function checkWith(guard: Guard): Check {
  // The URL is read only when a key source needs it, the address only with a failureBudget.
  const { readsUrl, readsAddress } = guard;
  return (settle, request, reply, next, route, pattern, key) => {
    const decision = guard.check(
      {
        // A getter over Node's own field: cheaper to pass always than to test for
        // `guard.readsMethod` or a preflight first.
        method: request.method,
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        url: readsUrl ? request.url : undefined,
        // `identify.ip()`'s address: after Fastify's `trustProxy` setting.
        address: readsAddress ? request.ip : undefined,
        route: pattern,
        key,
      },
      route,
    );
    // A cache hit is decided synchronously: no promise, no closure on the hot path.
    if (isPromise(decision))
      whenSettled(decision, (settled) => admit(settle, settled, request, reply, next, route), next);
    else admit(settle, decision, request, reply, next, route);
  };

  // Fastify's error handler answers a handler's throw (500) before the raw response's
  // `finish`, as its own onResponse hooks see it; only a refundable request listens.
  function admit(
    settle: Settle,
    decision: Decision,
    request: FastifyRequest,
    reply: FastifyReply,
    next: Next,
    route: PreparedRequest,
  ): void {
    refundWhenFinished(reply.raw, guard.refundFor(decision, route));
    settle(decision, request, reply, next);
  }
}

/** The guard on one request: its route, a key an outer keyguard let in, `getKey`, the check. */
export function guardRequestWith(
  guard: Guard,
  routes: RouteTable,
  getKey: KeyguardFastifyOptions["getKey"],
): GuardRequest {
  const check = checkWith(guard);
  return (settle, request, reply, next) => {
    // A getter that builds a fresh object of a dozen fields on every read: read once.
    const { config, url: pattern } = request.routeOptions;
    const route = routes.of(config.unkey, request);
    if (route === PUBLIC) return next();
    // A key another keyguard plugin (an outer scope's) let in is never verified again.
    const prior = request.unkey;
    if (prior !== undefined) {
      const decision = guard.again(prior, { method: request.method, path: request.url }, route);
      if (decision !== undefined) return settle(decision, request, reply, next);
    }
    if (getKey === undefined) return check(settle, request, reply, next, route, pattern);
    const withKey = (key: string | null | undefined) =>
      check(settle, request, reply, next, route, pattern, key ?? null);
    whenSettled(getKey(request), withKey, next);
  };
}

/** The guard as an `onRequest` hook that settles decisions with `settle`, after `skip`. */
export function onRequestHook(
  guardRequest: GuardRequest,
  skip: KeyguardFastifyOptions["skip"],
  settle: Settle,
): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  return (request, reply, done) => {
    const next = done as Next;
    // A throw or rejection of any hook, on either path, goes to Fastify's error handler.
    try {
      if (skip === undefined) guardRequest(settle, request, reply, next);
      else {
        const skipped = hookBoolean("skip", skip(request));
        const proceed = (yes: boolean) => {
          if (!yes) return guardRequest(settle, request, reply, next);
          noteGuardRan(request);
          next();
        };
        whenSettled(skipped, proceed, next);
      }
    } catch (error) {
      next(error);
    }
  };
}
