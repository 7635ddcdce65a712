import { type ArgumentsHost, Catch, type ExceptionFilter } from "@nestjs/common";
import { type HttpResponseLike, sendProblem } from "./http-response";
import { UnkeyDeniedException } from "./unkey-denied.exception";

/**
 * Writes an {@link UnkeyDeniedException} as the guard decided it: status,
 * `application/problem+json` body and headers, on Express and Fastify alike.
 * `UnkeyModule` registers it app-wide (`APP_FILTER`) unless
 * `exceptionFilter: false`; it catches nothing else.
 *
 * @example
 * ```ts
 * UnkeyModule.forRoot({ rootKey, exceptionFilter: false });
 * app.useGlobalFilters(new UnkeyExceptionFilter());
 * ```
 */
@Catch(UnkeyDeniedException)
export class UnkeyExceptionFilter implements ExceptionFilter<UnkeyDeniedException> {
  catch(exception: UnkeyDeniedException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<HttpResponseLike>();
    sendProblem(response, exception.getStatus(), exception.headers, exception.body);
  }
}
