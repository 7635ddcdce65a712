import "reflect-metadata";
import {
  identify,
  Public,
  Ratelimit,
  RatelimitGuard,
  RatelimitModule,
  UnkeyDeniedException,
  UnkeyExceptionFilter,
  UnkeyGuard,
  UnkeyModule,
} from "@keyguard/nestjs";
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpException,
  type INestApplication,
  Module,
} from "@nestjs/common";
import { APP_FILTER, APP_GUARD, NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import type { RunningApp } from "./harness";
import {
  errorBody,
  identifierFor,
  RATELIMIT_DURATION,
  RATELIMIT_ROUTES,
  type RatelimitAppOptions,
  type RatelimitHarness,
} from "./ratelimit.harness";

/** Answers denials as the module's filter does, and any other error as the suite's 500. */
@Catch()
class ErrorFilter implements ExceptionFilter {
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
    if (typeof response.setHeader === "function")
      response.setHeader("content-type", "application/problem+json");
    else response.header("content-type", "application/problem+json");
    response.status(500);
    response.send(JSON.stringify(errorBody(exception)));
  }
}

/**
 * The rate-limit app as a Nest user writes it: `RatelimitModule.forRoot` with
 * `RatelimitGuard` after `UnkeyGuard` (APP_GUARDs run in order), and
 * `@Ratelimit({...})` per route; routes without a key are `@Public()`.
 */
async function startApp(
  adapter: ExpressAdapter | FastifyAdapter,
  options: RatelimitAppOptions,
): Promise<RunningApp> {
  let calls = 0;
  @Controller()
  class RatelimitedController {}
  const proto = RatelimitedController.prototype as unknown as Record<string, unknown>;
  // Handlers and decorators applied by call, one per row of the route table.
  for (const [index, route] of RATELIMIT_ROUTES.entries()) {
    const name = `route${index}`;
    proto[name] = () => {
      calls++;
      return { route: route.path };
    };
    const descriptor = Object.getOwnPropertyDescriptor(proto, name) as PropertyDescriptor;
    Get(route.path.slice(1))(proto, name, descriptor);
    Ratelimit({
      identifier: identifierFor(route.identifier, identify),
      limit: route.limit,
      cost: route.cost,
    })(proto, name, descriptor);
    if (!route.keyGuard) Public()(proto, name, descriptor);
  }

  @Module({
    imports: [
      UnkeyModule.forRoot({ rootKey: options.rootKey, baseUrl: options.baseUrl }),
      RatelimitModule.forRoot({
        rootKey: options.rootKey,
        baseUrl: options.baseUrl,
        namespace: options.namespace,
        failureMode: options.failureMode,
        limit: 1,
        duration: RATELIMIT_DURATION,
        identifier: identify.ip(),
      }),
    ],
    controllers: [RatelimitedController],
    providers: [
      { provide: APP_GUARD, useClass: UnkeyGuard },
      { provide: APP_GUARD, useClass: RatelimitGuard },
      { provide: APP_FILTER, useClass: ErrorFilter },
    ],
  })
  class AppModule {}

  const app: INestApplication = await NestFactory.create(AppModule, adapter, {
    logger: false,
    abortOnError: false,
  });
  await app.listen(0, "127.0.0.1");
  const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
  return { url, handlerCalls: () => calls, close: () => app.close() };
}

export const nestjsExpressRatelimitHarness: RatelimitHarness = {
  name: "nestjs-express",
  start: (options) => startApp(new ExpressAdapter(), options),
};

export const nestjsFastifyRatelimitHarness: RatelimitHarness = {
  name: "nestjs-fastify",
  start: (options) => startApp(new FastifyAdapter(), options),
};
