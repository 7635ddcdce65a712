import type { IncomingHttpHeaders } from "node:http";
import type {
  Decision,
  Deny,
  Guard,
  KeyContext,
  PreparedRoute,
  RouteOptions,
} from "@keyguard/core";
import { type CanActivate, type ExecutionContext, Inject, Injectable } from "@nestjs/common";
import { Reflector } from "@nestjs/core";
import {
  PERMISSIONS_METADATA,
  PUBLIC_METADATA,
  ROUTE_METADATA,
  UNKEY_CORE_GUARD,
} from "./constants";
import { type HttpResponseLike, setResponseHeader } from "./http-response";
import { UnkeyDeniedException } from "./unkey-denied.exception";
import type { UnkeyRouteOptions } from "./unkey-route.decorator";

/** The request facts the guard reads, common to Express and Fastify requests. */
export interface UnkeyHttpRequest {
  method?: string;
  headers: IncomingHttpHeaders;
  /** Express: Node's raw header list, to refuse duplicated key headers. */
  rawHeaders?: string[];
  /** Fastify: the Node request behind the reply. */
  raw?: { rawHeaders?: string[] };
  url?: string;
  originalUrl?: string;
  /** Set by the guard: the key that was let in (`null` on a CORS preflight). */
  unkey?: KeyContext | null;
}

type Handler = ReturnType<ExecutionContext["getHandler"]>;
type Controller = ReturnType<ExecutionContext["getClass"]>;

/** A handler's keyguard metadata, read and compiled once. */
interface CompiledRoute {
  readonly isPublic: boolean;
  readonly route: PreparedRoute;
}

/**
 * Verifies the request's API key with Unkey (through the app's one cached
 * verifier) and enforces the route's `@RequirePermissions()` / `@UnkeyRoute()`
 * metadata; `@Public()` routes pass. Use it app-wide (`APP_GUARD`) or per
 * controller (`@UseGuards(UnkeyGuard)`). Subclass it and override the
 * protected hooks to change where the request or key comes from, what is
 * skipped, or how a denial is answered.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [UnkeyModule.forRoot({ rootKey: process.env.UNKEY_ROOT_KEY })],
 *   providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
 * })
 * export class AppModule {}
 * ```
 */
@Injectable()
export class UnkeyGuard implements CanActivate {
  // Metadata read and compiled once per handler and controller (a handler may be inherited):
  // reflecting on every request would cost more than a cached verification.
  private readonly routes = new WeakMap<Handler, WeakMap<Controller, CompiledRoute>>();

  // Property injection with explicit tokens: the published build carries no
  // `design:paramtypes` metadata, and subclasses keep their constructors to themselves.
  @Inject(Reflector) protected readonly reflector!: Reflector;
  @Inject(UNKEY_CORE_GUARD) protected readonly guard!: Guard;

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.shouldSkip(context)) return true;
    const request = this.getRequest(context);
    const decision = this.guard.check(
      {
        method: request.method,
        headers: request.headers,
        rawHeaders: request.rawHeaders ?? request.raw?.rawHeaders,
        url: request.originalUrl ?? request.url,
        key: this.getKey(request),
      },
      this.compiled(context).route,
    );
    // A cache hit is decided synchronously: no promise on the hot path.
    return decision instanceof Promise
      ? decision.then((settled) => this.settle(settled, context, request))
      : this.settle(decision, context, request);
  }

  /** Whether the guard lets the request through unchecked. Default: `@Public()` metadata. */
  protected shouldSkip(context: ExecutionContext): boolean {
    return this.compiled(context).isPublic;
  }

  /** The HTTP request; override for GraphQL or other transports. */
  protected getRequest(context: ExecutionContext): UnkeyHttpRequest {
    return context.switchToHttp().getRequest<UnkeyHttpRequest>();
  }

  /** The HTTP response (Express `res` or Fastify `reply`) that headers are written to. */
  protected getResponse(context: ExecutionContext): HttpResponseLike {
    return context.switchToHttp().getResponse<HttpResponseLike>();
  }

  /**
   * The presented key, or `null` for none; `undefined` (the default) reads the
   * module's `keySources` (`Authorization: Bearer`, then `X-API-Key`).
   */
  protected getKey(_request: UnkeyHttpRequest): string | null | undefined {
    return undefined;
  }

  /**
   * Answers a denial. The default sets its headers on the response (so they
   * survive any exception filter) and throws {@link UnkeyDeniedException}.
   * Return `true` to let the request through anyway (`@ApiKey()` is then undefined).
   */
  protected onDenied(decision: Deny, context: ExecutionContext): boolean {
    const response = this.getResponse(context);
    for (const name in decision.headers) {
      // The content type is the filter's to set: Nest's own writer would replace it.
      if (name !== "content-type")
        setResponseHeader(response, name, decision.headers[name] as string);
    }
    throw new UnkeyDeniedException(decision);
  }

  private settle(decision: Decision, context: ExecutionContext, request: UnkeyHttpRequest) {
    if (!decision.allowed) return this.onDenied(decision, context);
    let response: HttpResponseLike | undefined;
    for (const name in decision.headers) {
      response ??= this.getResponse(context);
      setResponseHeader(response, name, decision.headers[name] as string);
    }
    request.unkey = decision.context ?? null;
    return true;
  }

  private compiled(context: ExecutionContext): CompiledRoute {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.routes.get(handler);
    let compiled = byController?.get(controller);
    if (compiled !== undefined) return compiled;
    const targets = [handler, controller];
    const permissions = this.reflector.getAllAndOverride<RouteOptions["permissions"]>(
      PERMISSIONS_METADATA,
      targets,
    );
    const options = this.reflector.getAllAndOverride<UnkeyRouteOptions | undefined>(
      ROUTE_METADATA,
      targets,
    );
    compiled = {
      isPublic:
        this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_METADATA, targets) === true,
      route: this.guard.route({ ...options, permissions }, `${controller.name}.${handler.name}: `),
    };
    if (byController === undefined) {
      byController = new WeakMap();
      this.routes.set(handler, byController);
    }
    byController.set(controller, compiled);
    return compiled;
  }
}
