import type { IdentifyHelpers, RatelimitRouteOptions } from "@keyguard/core";
import {
  type RatelimitGuard as CoreRatelimitGuard,
  type Decision,
  identifyHelpers,
  locateConfigErrors,
  type PreparedRatelimitRoute,
} from "@keyguard/core/adapter";
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  type OnModuleInit,
  Optional,
} from "@nestjs/common";
import { Reflector } from "@nestjs/core";
import { RATELIMIT_CORE_GUARD, RATELIMIT_METADATA } from "./constants";
import { type HttpResponseLike, setResponseHeader } from "./http-response";
import { assertModuleImported } from "./module-missing";
import { ratelimitAt } from "./ratelimit-routes";
import { mergedOptions } from "./route-metadata";
import type { UnkeyHttpRequest } from "./unkey.guard";
import { UnkeyDeniedException } from "./unkey-denied.exception";

/**
 * Ready-made identifiers: `identify.ip()` (`request.ip`: set Express's
 * "trust proxy" or Fastify's `trustProxy` behind a proxy), `identify.keyId()`
 * (the key `UnkeyGuard` let in: list it first), `identify.header(name)`,
 * `identify.compound(...parts)`.
 */
export const identify: IdentifyHelpers<UnkeyHttpRequest> = identifyHelpers<UnkeyHttpRequest>({
  ip: (request) => request.ip,
  header: (request, name) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  },
  keyId: (request) => request.unkey?.keyId,
});

type Handler = ReturnType<ExecutionContext["getHandler"]>;
type Controller = ReturnType<ExecutionContext["getClass"]>;
/** A handler's compiled `@Ratelimit()`, or `null` when it has none. */
type Compiled = PreparedRatelimitRoute<UnkeyHttpRequest> | null;

/**
 * Rate-limits the routes that carry `@Ratelimit()` (method metadata over the
 * controller's) with the module's limiter; other routes pass. Register it after
 * `UnkeyGuard` (APP_GUARD providers run in order) to identify by key. Allowed
 * responses carry `RateLimit-*`; a refusal throws `UnkeyDeniedException` (429,
 * or 503/500 when Unkey cannot answer), which `UnkeyExceptionFilter` writes.
 *
 * @example
 * ```ts
 * providers: [
 *   { provide: APP_GUARD, useClass: UnkeyGuard },
 *   { provide: APP_GUARD, useClass: RatelimitGuard },
 * ]
 * ```
 */
@Injectable()
export class RatelimitGuard implements CanActivate, OnModuleInit {
  private readonly routes = new WeakMap<Handler, WeakMap<Controller, Compiled>>();
  @Inject(Reflector) protected readonly reflector!: Reflector;
  @Optional()
  @Inject(RATELIMIT_CORE_GUARD)
  protected readonly guard!: CoreRatelimitGuard<UnkeyHttpRequest>;

  /** Refuses to start without `RatelimitModule.forRoot()`, naming it. */
  onModuleInit(): void {
    assertModuleImported(this.guard, "RatelimitGuard", "RatelimitModule");
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = this.compiled(context);
    if (route === null) return true;
    const request = context.switchToHttp().getRequest<UnkeyHttpRequest>();
    // A rejection (an identifier that is missing or Unkey would refuse) reaches the exception filters.
    return this.guard.check(request, route).then((decision) => this.settle(decision, context));
  }

  private settle(decision: Decision, context: ExecutionContext): boolean {
    const response = context.switchToHttp().getResponse<HttpResponseLike>();
    for (const name in decision.headers) {
      // The content type is the filter's to set: Nest's own writer would replace it.
      if (name !== "content-type")
        setResponseHeader(response, name, decision.headers[name] as string);
    }
    if (decision.allowed) return true;
    throw new UnkeyDeniedException(decision);
  }

  private compiled(context: ExecutionContext): Compiled {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.routes.get(handler);
    const known = byController?.get(controller);
    if (known !== undefined) return known;
    // A guard Nest built without its module (where onModuleInit is not called): every request 500.
    assertModuleImported(this.guard, "RatelimitGuard", "RatelimitModule");
    const options = mergedOptions<RatelimitRouteOptions<UnkeyHttpRequest>>(
      RATELIMIT_METADATA,
      handler,
      controller,
    );
    const compiled =
      options === undefined
        ? null
        : locateConfigErrors(ratelimitAt(controller, handler.name), () =>
            this.guard.route(options),
          );
    if (byController === undefined) {
      byController = new WeakMap();
      this.routes.set(handler, byController);
    }
    byController.set(controller, compiled);
    return compiled;
  }
}
