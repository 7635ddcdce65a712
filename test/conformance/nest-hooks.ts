import type { Deny } from "@keyguard/core";
import {
  UnkeyDeniedException,
  UnkeyExceptionFilter,
  UnkeyGuard,
  type UnkeyHttpRequest,
} from "@keyguard/nestjs";
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  HttpException,
  Injectable,
} from "@nestjs/common";
import type { HookSpec } from "./harness";
import { HOOK_FAILED_BODY, HOOK_FAILED_TYPE, specHooks } from "./hooks";

const VERIFIER_FAILURES: ReadonlySet<string> = new Set([
  "VERIFIER_UNAVAILABLE",
  "VERIFIER_MISCONFIGURED",
]);

/**
 * `UnkeyGuard` with the spec's hooks as its protected overrides. Nest's guard
 * has no `onError`: a verifier failure is a denial, so the spec's `onError`
 * stands in `onDenied` for those (as Express and Fastify call `onError` first).
 */
export function guardWithHooks(spec: HookSpec | undefined): typeof UnkeyGuard {
  const hooks = specHooks(spec);
  if (Object.keys(hooks).length === 0) return UnkeyGuard;
  @Injectable()
  class HookedGuard extends UnkeyGuard {
    protected override shouldSkip(context: ExecutionContext) {
      return hooks.skip ? (hooks.skip() as boolean) : super.shouldSkip(context);
    }
    protected override getKey(request: UnkeyHttpRequest) {
      return hooks.getKey ? (hooks.getKey() as string) : super.getKey(request);
    }
    protected override onDenied(decision: Deny, context: ExecutionContext) {
      if (hooks.onError && VERIFIER_FAILURES.has(decision.code)) return hooks.onError() as boolean;
      if (hooks.onDenied) return hooks.onDenied() as boolean;
      return super.onDenied(decision, context);
    }
  }
  return HookedGuard;
}

/** Answers a hook's error with 500 HOOK_FAILED; the guard's denials and Nest's HTTP errors keep theirs. */
@Catch()
export class HookFailureFilter implements ExceptionFilter {
  private readonly denials = new UnkeyExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof UnkeyDeniedException) {
      this.denials.catch(exception, host);
      return;
    }
    const response = host.switchToHttp().getResponse();
    if (exception instanceof HttpException) {
      response.status(exception.getStatus());
      response.send(JSON.stringify(exception.getResponse()));
      return;
    }
    // Express `res` has setHeader, Fastify `reply` has header.
    if (typeof response.setHeader === "function")
      response.setHeader("content-type", HOOK_FAILED_TYPE);
    else response.header("content-type", HOOK_FAILED_TYPE);
    response.status(500);
    response.send(JSON.stringify(HOOK_FAILED_BODY));
  }
}
