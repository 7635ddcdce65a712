import type { IncomingHttpHeaders } from "node:http";
import type { Deny, KeyContext } from "@keyguard/core";
import {
  type Decision,
  type Guard,
  hookBoolean,
  isPromise,
  locateConfigErrors,
  mayBePreflight,
  type PreparedRequest,
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
import { UNKEY_CORE_GUARD } from "./constants";
import { UNKEY_GUARD_MARK } from "./guard-mark";
import { type HttpResponseLike, setResponseHeader } from "./http-response";
import { assertModuleImported } from "./module-missing";
import { refundOnResponse } from "./refund-response";
import { readRouteMetadata } from "./route-metadata";
import { UnkeyDeniedException } from "./unkey-denied.exception";

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
  /** The client address (Express `req.ip` after "trust proxy", Fastify `request.ip` after `trustProxy`). */
  ip?: string;
  /** Set by the guard: the key that was let in (`null` on a CORS preflight). */
  unkey?: KeyContext | null;
}

type Handler = ReturnType<ExecutionContext["getHandler"]>;
type Controller = ReturnType<ExecutionContext["getClass"]>;

/** A handler's keyguard metadata, read and compiled once. */
interface CompiledRoute {
  readonly isPublic: boolean;
  readonly route: PreparedRequest;
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
export class UnkeyGuard implements CanActivate, OnModuleInit {
  /** How `@keyguard/nestjs/swagger` finds this guard (and its subclasses) on a route. */
  static readonly [UNKEY_GUARD_MARK] = true;

  // Metadata read and compiled once per handler and controller (a handler may be inherited):
  // reflecting on every request would cost more than a cached verification.
  private readonly routes = new WeakMap<Handler, WeakMap<Controller, CompiledRoute>>();

  // Property injection with explicit tokens: the published build carries no
  // `design:paramtypes` metadata, and subclasses keep their constructors to themselves.
  @Inject(Reflector) protected readonly reflector!: Reflector;
  @Optional() @Inject(UNKEY_CORE_GUARD) protected readonly guard!: Guard;

  /** Refuses to start without `UnkeyModule.forRoot()`, naming it. */
  onModuleInit(): void {
    assertModuleImported(this.guard, "UnkeyGuard", "UnkeyModule");
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // The default `shouldSkip` is the route's compiled `@Public()`: the route is looked up once
    // per request, for both, and a boolean needs no checking.
    if (this.shouldSkip === UnkeyGuard.prototype.shouldSkip) {
      const compiled = this.compiled(context);
      return compiled.isPublic || this.guardRequest(context, compiled);
    }
    // Only exactly `true` skips; a promise is awaited, anything else is a TypeError for the filters.
    const skipped = hookBoolean("shouldSkip", this.shouldSkip(context));
    if (isPromise(skipped)) return skipped.then((yes) => yes || this.guardRequest(context));
    return skipped || this.guardRequest(context);
  }

  /**
   * Whether the guard lets the request through unchecked (`@ApiKey()` is then
   * undefined). Default: `@Public()` metadata, the method's over the
   * controller's. May be async; skips only on exactly `true`. Any other result
   * is a bug, thrown as a `TypeError` naming `shouldSkip`; a throw or rejection
   * reaches your exception filters (Nest's default answers 500). Never a pass.
   */
  protected shouldSkip(context: ExecutionContext): boolean | Promise<boolean> {
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
   * module's `keySources` (`Authorization: Bearer`, then `X-API-Key`). May be
   * async; a throw or rejection reaches your exception filters (500 by default).
   */
  protected getKey(
    _request: UnkeyHttpRequest,
  ): string | null | undefined | Promise<string | null | undefined> {
    return undefined;
  }

  /**
   * Answers a denial, verifier failures (503/500) included. The default sets its
   * headers on the response (so they survive any exception filter) and throws
   * {@link UnkeyDeniedException}. Return `true` to let the request through anyway
   * (`@ApiKey()` is then undefined), `false` for Nest's 403. May be async; any
   * result but a boolean is a `TypeError`, and a throw or rejection (other than
   * the denial itself) reaches your exception filters (500 by default).
   */
  protected onDenied(decision: Deny, context: ExecutionContext): boolean | Promise<boolean> {
    const response = this.getResponse(context);
    for (const name in decision.headers) {
      // The content type is the filter's to set: Nest's own writer would replace it.
      if (name !== "content-type")
        setResponseHeader(response, name, decision.headers[name] as string);
    }
    throw new UnkeyDeniedException(decision);
  }

  private guardRequest(
    context: ExecutionContext,
    compiled?: CompiledRoute,
  ): boolean | Promise<boolean> {
    const request = this.getRequest(context);
    const key = this.getKey(request);
    if (isPromise(key))
      return key.then((settled) => this.check(context, request, settled, compiled));
    return this.check(context, request, key, compiled);
  }

  private check(
    context: ExecutionContext,
    request: UnkeyHttpRequest,
    key: string | null | undefined,
    compiled: CompiledRoute | undefined,
  ): boolean | Promise<boolean> {
    // Under a `shouldSkip` of the subclass's, the route is compiled here, after its hooks ran.
    const { route } = compiled ?? this.compiled(context);
    const { headers } = request;
    const decision = this.guard.check(
      {
        // Read only when it can matter (a cookie source, a CORS preflight): see `url` below.
        method: this.guard.readsMethod || mayBePreflight(headers) ? request.method : undefined,
        headers,
        rawHeaders: request.rawHeaders ?? request.raw?.rawHeaders,
        // Express gives every request object a map of its own, so each read of it is a slow
        // lookup: the URL is read only when a key source needs it.
        url: this.guard.readsUrl ? (request.originalUrl ?? request.url) : undefined,
        // `identify.ip()`'s address: after the platform's trust-proxy setting.
        address: this.guard.readsAddress ? request.ip : undefined,
        key,
      },
      route,
    );
    // A cache hit is decided synchronously: no promise on the hot path.
    return isPromise(decision)
      ? decision.then((settled) => this.settle(settled, context, request, route))
      : this.settle(decision, context, request, route);
  }

  private settle(
    decision: Decision,
    context: ExecutionContext,
    request: UnkeyHttpRequest,
    route: PreparedRequest,
  ): boolean | Promise<boolean> {
    if (!decision.allowed) return hookBoolean("onDenied", this.onDenied(decision, context));
    const refund = this.guard.refundFor(decision, route);
    if (refund !== undefined) refundOnResponse(this.getResponse(context), refund);
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
    // A guard Nest built without its module (where onModuleInit is not called): every request 500.
    assertModuleImported(this.guard, "UnkeyGuard", "UnkeyModule");
    const { isPublic, options } = readRouteMetadata(this.reflector, handler, controller);
    compiled = {
      isPublic,
      // Errors keep the option's name and say the route apart (`at: "DocsController.list"`).
      route: locateConfigErrors(`${controller.name}.${handler.name}`, () =>
        this.guard.route(options),
      ),
    };
    if (byController === undefined) {
      byController = new WeakMap();
      this.routes.set(handler, byController);
    }
    byController.set(controller, compiled);
    return compiled;
  }
}
