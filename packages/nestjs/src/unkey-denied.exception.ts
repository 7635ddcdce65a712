import type { Deny, ProblemDetails } from "@keyguard/core";
import { HttpException } from "@nestjs/common";

/**
 * The denial `UnkeyGuard` throws: an `HttpException` with the decision's status,
 * its problem+json body as the response, and the headers that must reach the
 * client (`WWW-Authenticate`, `Retry-After`, `RateLimit-Policy`, `RateLimit`, content type).
 * `UnkeyExceptionFilter` (registered by `UnkeyModule`) writes all three.
 *
 * @example
 * ```ts
 * @Catch(UnkeyDeniedException)
 * class AuditFilter implements ExceptionFilter {
 *   catch(error: UnkeyDeniedException) { audit(error.body.code, error.getStatus()); }
 * }
 * ```
 */
export class UnkeyDeniedException extends HttpException {
  /** The guard's decision, with `code`, `result` and the verifier `error` when there is one. */
  readonly decision: Deny;
  /** Response headers of the denial, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The RFC 9457 problem details body. */
  readonly body: ProblemDetails;

  constructor(decision: Deny) {
    super(decision.body, decision.status, {
      cause: decision.error,
      description: decision.body.title,
    });
    this.decision = decision;
    this.headers = decision.headers;
    this.body = decision.body;
  }
}
