import type { Deny } from "@keyguard/core";
import { type Decision, FAIL_OPEN_HEADER, isPromise } from "@keyguard/core/adapter";
import type { NextFunction, Request, Response } from "express";
import type { ExpressHooks } from "./options";

/** Applies a decision to an Express request: continue with the context, or answer the denial. */
export type Settle = (decision: Decision, req: Request, res: Response, next: NextFunction) => void;

/** Writes the decision's problem+json answer (RFC 9457); its headers carry the content type. */
export function sendDenial(decision: Deny, res: Response): void {
  res.statusCode = decision.status;
  for (const name in decision.headers) res.setHeader(name, decision.headers[name] as string);
  res.end(JSON.stringify(decision.body));
}

/** Builds the function that turns a decision into Express's response or `next()`. */
export function createSettle(hooks: Pick<ExpressHooks, "onDenied" | "onError">): Settle {
  const { onDenied, onError } = hooks;
  return (decision, req, res, next) => {
    if (decision.allowed) {
      for (const name in decision.headers) res.setHeader(name, decision.headers[name] as string);
      if (decision.context !== undefined) req.unkey = decision.context;
      next();
      return;
    }
    // An earlier unkey() may have let this request in fail-open; a refusal is not that.
    res.removeHeader(FAIL_OPEN_HEADER);
    // Every VERIFIER_* denial carries its error (the core's contract): that is what failed.
    const failure = decision.error;
    if (failure !== undefined && onError !== undefined) {
      // Only on request: a verifier failure becomes the app's error, handled by its error handler.
      if (onError === "next") return next(failure);
      const pending = onError(failure, req, res, next);
      if (isPromise(pending)) pending.catch(next);
      return;
    }
    if (onDenied !== undefined) {
      const pending = onDenied(decision, { req, res, next });
      if (isPromise(pending)) pending.catch(next);
      return;
    }
    sendDenial(decision, res);
  };
}
