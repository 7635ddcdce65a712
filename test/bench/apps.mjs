// App builders for the bench: one route, GET /hello, answering {"ok":true},
// bare (no guard), behind a pass-through middleware ("noop": what any one
// middleware costs in that framework), behind the framework's cheapest correct
// auth ("static-token": a fixed bearer token compared in memory, the floor;
// "static-token-context": the same floor that also puts a context on the request where
// keyguard puts its own, `req.unkey` in Express, `request.unkey` in a Nest guard,
// `c.set("unkey")` in Hono, a decorated `request.unkey` in Fastify) or guarded (any valid
// key), in each framework's own idiom.
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The route every configuration serves. */
export const ROUTE = "/hello";

/** What "static-token-context" puts on the request: one shared, frozen context. */
const STATIC_CONTEXT = Object.freeze({ keyId: "static", valid: true });

/**
 * Imports a keyguard package: the workspace's build, or with `config.packageRoot` the copy in
 * that directory's node_modules (an earlier build, so that diagnose.mjs can measure a baseline
 * and this build in the same interleaved rounds, under the same load).
 */
async function keyguardPackage(config, name) {
  if (config.packageRoot === undefined) return import(name);
  const dir = join(config.packageRoot, "node_modules", name);
  const { exports } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return import(pathToFileURL(join(dir, exports["."].import.default)).href);
}

function listenNode(server) {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}

async function express(config) {
  const { default: createApp } = await import("express");
  const app = createApp();
  let verifier;
  if (config.guard === "keyguard") {
    const { unkey } = await keyguardPackage(config, "@keyguard/express");
    const auth = unkey(config.options);
    verifier = auth.verifier;
    app.use(auth);
    if (config.ratelimit) {
      // A per-route limit on top of the key (section 9): identified by the key's id.
      const { ratelimit, identify } = await keyguardPackage(config, "@keyguard/express");
      app.use(ratelimit({ ...config.ratelimit, identifier: identify.keyId() }));
    }
  } else if (config.guard === "noop") {
    app.use((_req, _res, next) => next());
  } else if (config.guard === "static-token") {
    const expected = `Bearer ${config.options.token}`;
    app.use((req, res, next) =>
      req.headers.authorization === expected ? next() : res.sendStatus(401),
    );
  } else if (config.guard === "static-token-context") {
    const expected = `Bearer ${config.options.token}`;
    app.use((req, res, next) => {
      if (req.headers.authorization !== expected) return res.sendStatus(401);
      req.unkey = STATIC_CONTEXT;
      next();
    });
  }
  // `loadKeyguard` (verifier options): keyguard's modules and one unmounted guard in memory beside
  // any configuration, so that diagnose.mjs can tell what its heap costs from what it runs.
  const unmounted = config.loadKeyguard
    ? (await keyguardPackage(config, "@keyguard/express")).unkey(config.loadKeyguard)
    : undefined;
  app.get(ROUTE, (_req, res) => {
    res.json({ ok: true });
  });
  return { ...(await listenNode(createServer(app))), verifier: verifier ?? unmounted?.verifier };
}

async function hono(config) {
  const { Hono } = await import("hono");
  const { serve } = await import("@hono/node-server");
  const app = new Hono();
  let verifier;
  if (config.guard === "keyguard") {
    const { unkey } = await keyguardPackage(config, "@keyguard/hono");
    const auth = unkey(config.options);
    verifier = auth.verifier;
    app.use(auth);
  } else if (config.guard === "unkey-hono") {
    redirectUnkeyFetch(config.options.baseUrl);
    const { unkey } = await import("@unkey/hono");
    app.use(unkey({ rootKey: config.options.rootKey }));
  } else if (config.guard === "noop") {
    app.use(async (_c, next) => {
      await next();
    });
  } else if (config.guard === "static-token") {
    const expected = `Bearer ${config.options.token}`;
    app.use(async (c, next) => {
      if (c.req.header("authorization") !== expected) return c.text("Unauthorized", 401);
      await next();
    });
  } else if (config.guard === "static-token-context") {
    const expected = `Bearer ${config.options.token}`;
    app.use(async (c, next) => {
      if (c.req.header("authorization") !== expected) return c.text("Unauthorized", 401);
      c.set("unkey", STATIC_CONTEXT);
      await next();
    });
  } else if (config.guard === "hono-bearer-auth") {
    const { bearerAuth } = await import("hono/bearer-auth");
    app.use(bearerAuth({ token: config.options.token }));
  }
  app.get(ROUTE, (c) => c.json({ ok: true }));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        verifier,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}

async function fastify(config) {
  const { default: Fastify } = await import("fastify");
  const app = Fastify();
  if (config.guard === "keyguard") {
    const { keyguard } = await keyguardPackage(config, "@keyguard/fastify");
    await app.register(keyguard, config.options);
  } else if (config.guard === "noop") {
    app.addHook("onRequest", (_request, _reply, done) => done());
  } else if (config.guard === "static-token") {
    const { default: bearerAuth } = await import("@fastify/bearer-auth");
    await app.register(bearerAuth, { keys: new Set([config.options.token]) });
  } else if (config.guard === "static-token-context") {
    // The same plugin; its `auth` hook compares the token and sets the decorated context.
    const { default: bearerAuth } = await import("@fastify/bearer-auth");
    const { token } = config.options;
    app.decorateRequest("unkey", undefined);
    await app.register(bearerAuth, {
      keys: new Set([token]),
      auth: (presented, request) => {
        if (presented !== token) return false;
        request.unkey = STATIC_CONTEXT;
        return true;
      },
    });
  }
  app.get(ROUTE, () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, verifier: undefined, close: () => app.close() };
}

async function nestjsExpress(config) {
  const { Controller, Get, Module } = await import("@nestjs/common");
  const { APP_GUARD, NestFactory } = await import("@nestjs/core");
  const { ExpressAdapter } = await import("@nestjs/platform-express");
  class HelloController {
    hello() {
      return { ok: true };
    }
  }
  // Decorators applied by call: this file is plain JS.
  Reflect.decorate(
    [Get(ROUTE.slice(1))],
    HelloController.prototype,
    "hello",
    Object.getOwnPropertyDescriptor(HelloController.prototype, "hello"),
  );
  const Ctl = Reflect.decorate([Controller()], HelloController);
  const moduleMeta = { imports: [], controllers: [Ctl], providers: [] };
  if (config.loadKeyguard) {
    // The module (and its verifier) without the guard: see `loadKeyguard` in express() above.
    const { UnkeyModule } = await keyguardPackage(config, "@keyguard/nestjs");
    moduleMeta.imports.push(UnkeyModule.forRoot(config.loadKeyguard));
  }
  if (config.guard === "keyguard") {
    const { UnkeyGuard, UnkeyModule } = await keyguardPackage(config, "@keyguard/nestjs");
    moduleMeta.imports.push(UnkeyModule.forRoot(config.options));
    moduleMeta.providers.push({ provide: APP_GUARD, useClass: UnkeyGuard });
  } else if (config.guard === "noop") {
    class AllowGuard {
      canActivate() {
        return true;
      }
    }
    moduleMeta.providers.push({ provide: APP_GUARD, useClass: AllowGuard });
  } else if (config.guard === "static-token" || config.guard === "static-token-context") {
    const { UnauthorizedException } = await import("@nestjs/common");
    const expected = `Bearer ${config.options.token}`;
    const withContext = config.guard === "static-token-context";
    class StaticTokenGuard {
      canActivate(context) {
        const request = context.switchToHttp().getRequest();
        if (request.headers.authorization !== expected) throw new UnauthorizedException();
        if (withContext) request.unkey = STATIC_CONTEXT;
        return true;
      }
    }
    moduleMeta.providers.push({ provide: APP_GUARD, useClass: StaticTokenGuard });
  }
  class AppModule {}
  const Mod = Reflect.decorate([Module(moduleMeta)], AppModule);
  const app = await NestFactory.create(Mod, new ExpressAdapter(), {
    logger: false,
    abortOnError: false,
  });
  await app.listen(0, "127.0.0.1");
  const { port } = app.getHttpServer().address();
  return { url: `http://127.0.0.1:${port}`, verifier: undefined, close: () => app.close() };
}

/**
 * @unkey/hono 2.x builds `new Unkey({ rootKey })` with no serverURL or fetch
 * option, and @unkey/api calls the global `fetch` at request time, so in this
 * child process only, requests to https://api.unkey.com are rewritten to the
 * emulator. Nothing else about the request changes.
 */
function redirectUnkeyFetch(baseUrl) {
  const original = globalThis.fetch;
  const from = "https://api.unkey.com";
  globalThis.fetch = (input, init) => {
    // Duck-typed: @hono/node-server swaps the global Request class for its own.
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input?.url;
    if (typeof url === "string" && url.startsWith(from)) {
      const target = baseUrl + url.slice(from.length);
      if (typeof input === "string" || input instanceof URL) return original(target, init);
      return original(new Request(target, input), init);
    }
    return original(input, init);
  };
}

export const builders = { express, hono, fastify, "nestjs-express": nestjsExpress };
