import "reflect-metadata";
import { KeyguardSetupError } from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import { Controller, Get, type INestApplication, Post, UseGuards } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { ApiResponse, DocumentBuilder } from "@nestjs/swagger";
import { validate } from "@readme/openapi-parser";
import { afterEach, describe, expect, it } from "vitest";
import { Public, RequirePermissions, UnkeyGuard, UnkeyModule } from "../src/index";
import { createUnkeyDocument } from "../src/swagger";
import {
  DocsController,
  MiscController,
  OpenController,
  type Platform,
  ScopedController,
  startApp,
} from "./app";

// The real @nestjs/swagger and a real OpenAPI validator; controllers carry no OpenAPI annotations.

@RequirePermissions("base.read")
class BaseController {
  @Get()
  list() {
    return [];
  }

  @Post()
  @ApiResponse({ status: 403, description: "Your own words win." })
  add() {
    return {};
  }
}

@Controller("inherited")
class InheritedController extends BaseController {}

@Controller("inherited-public")
@Public()
class PublicInheritedController extends BaseController {}

type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string }>;
  "x-permissions"?: string;
  "x-keyguard-route"?: unknown;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
};

const config = () => new DocumentBuilder().setTitle("docs").setVersion("1.0.0").build();
const upstream = () => fakeUnkey({ sk_read: { keyId: "key_read", permissions: ["docs.read"] } });

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(platform: Platform, appWide: boolean, extra: Record<string, unknown> = {}) {
  const running = await startApp(platform, {
    imports: [
      UnkeyModule.forRoot({ rootKey: "unkey_root_test", fetch: upstream().fetch, ...extra }),
    ],
    controllers: appWide
      ? [DocsController, MiscController, InheritedController]
      : [ScopedController, OpenController],
    providers: appWide ? [{ provide: APP_GUARD, useClass: UnkeyGuard }] : [],
  });
  app = running.app;
  const document = createUnkeyDocument(running.app, config()) as unknown as Document;
  return { ...running, document };
}

const operation = (document: Document, path: string, method: string) =>
  document.paths[path]?.[method] as Operation;

describe.each<Platform>(["express", "fastify"])("createUnkeyDocument on %s", (platform) => {
  it("documents APP_GUARD routes as guarded, @Public() ones as public, with the guard's queries", async () => {
    const { document } = await build(platform, true);
    expect(document.components.securitySchemes).toEqual({
      keyguardBearer: { type: "http", scheme: "bearer" },
      "keyguardHeader_x-api-key": { type: "apiKey", in: "header", name: "x-api-key" },
    });
    const list = operation(document, "/docs", "get");
    expect(list.security).toEqual([{ keyguardBearer: [] }, { "keyguardHeader_x-api-key": [] }]);
    expect(Object.keys(list.responses)).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "429", "503"]),
    );
    // The headers the answers carry: RateLimit fields on 200 and 429, the challenge on 401.
    const responses = list.responses as Record<string, { headers?: object }>;
    expect(Object.keys(responses["200"]?.headers ?? {})).toEqual(["RateLimit-Policy", "RateLimit"]);
    expect(Object.keys(responses["429"]?.headers ?? {})).toContain("Retry-After");
    expect(Object.keys(responses["401"]?.headers ?? {})).toEqual(["WWW-Authenticate"]);
    expect(list["x-permissions"]).toBe("docs.read");
    // The method's @RequirePermissions() over the controller's, as the guard resolves it.
    expect(operation(document, "/docs", "post")["x-permissions"]).toBe("docs.write");
    const open = operation(document, "/docs/public", "get");
    expect(open.security).toBeUndefined();
    expect(open.responses["401"]).toBeUndefined();
    expect(operation(document, "/me", "get").security).toBeDefined();
    expect(operation(document, "/me", "get")["x-permissions"]).toBeUndefined();
    // No trace of the tag the helper reads operations back by.
    expect(JSON.stringify(document)).not.toContain("x-keyguard-route");
  });

  it("reads inherited requirements and keeps the route's own responses", async () => {
    const { document } = await build(platform, true);
    expect(operation(document, "/inherited", "get")["x-permissions"]).toBe("base.read");
    const add = operation(document, "/inherited", "post");
    expect(add.responses["403"]?.description).toBe("Your own words win.");
    expect(add.responses["401"]).toBeDefined();
  });

  it("without APP_GUARD, documents only the routes under @UseGuards(UnkeyGuard)", async () => {
    const { document } = await build(platform, false);
    expect(operation(document, "/scoped", "get").security).toHaveLength(2);
    expect(operation(document, "/open", "get").security).toBeUndefined();
  });

  it("declares the configured key sources: query and cookie become apiKey schemes", async () => {
    const { document } = await build(platform, true, {
      keySources: [{ query: "api_key" }, { cookie: "session" }],
    });
    expect(document.components.securitySchemes).toEqual({
      keyguardQuery_api_key: { type: "apiKey", in: "query", name: "api_key" },
      keyguardCookie_session: { type: "apiKey", in: "cookie", name: "session" },
    });
  });

  it.each([true, false])(
    "the generated document is valid OpenAPI (APP_GUARD: %s)",
    async (appWide) => {
      const { document } = await build(platform, appWide);
      const result = await validate(structuredClone(document) as never);
      expect(result.valid, JSON.stringify(result)).toBe(true);
    },
  );

  it.each([true, false])(
    "the document matches reality: guarded routes answer 401 without a key, public ones do not (APP_GUARD: %s)",
    async (appWide) => {
      const { document, url } = await build(platform, appWide);
      let checked = 0;
      for (const [path, methods] of Object.entries(document.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          const response = await fetch(`${url}${path}`, { method: method.toUpperCase() });
          const where = `${method} ${path}`;
          if (op.security) expect(response.status, where).toBe(401);
          else expect(response.status, where).not.toBe(401);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(appWide ? 7 : 2);
    },
  );

  it("refuses an inherited handler that is guarded in one controller and public in another", async () => {
    const running = await startApp(platform, {
      imports: [UnkeyModule.forRoot({ rootKey: "unkey_root_test", fetch: upstream().fetch })],
      controllers: [InheritedController, PublicInheritedController],
      providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
    });
    app = running.app;
    expect(() => createUnkeyDocument(running.app, config())).toThrow(KeyguardSetupError);
  });

  it("says so when UnkeyModule is not imported", async () => {
    const running = await startApp(platform, { imports: [], controllers: [OpenController] });
    app = running.app;
    expect(() => createUnkeyDocument(running.app, config())).toThrow(/UnkeyModule is not imported/);
  });
});

// A guard that runs only on some methods: `@UseGuards(UnkeyGuard)` on one handler.
@Controller("mixed")
export class MixedController {
  @Get("guarded")
  @UseGuards(UnkeyGuard)
  guarded() {
    return {};
  }

  @Get("open")
  open() {
    return {};
  }
}

describe("createUnkeyDocument with a method-level @UseGuards(UnkeyGuard)", () => {
  it("documents that method alone as guarded, and reality agrees", async () => {
    const running = await startApp("express", {
      imports: [UnkeyModule.forRoot({ rootKey: "unkey_root_test", fetch: upstream().fetch })],
      controllers: [MixedController],
    });
    app = running.app;
    const document = createUnkeyDocument(running.app, config()) as unknown as Document;
    expect(operation(document, "/mixed/guarded", "get").security).toHaveLength(2);
    expect(operation(document, "/mixed/open", "get").security).toBeUndefined();
    expect((await fetch(`${running.url}/mixed/guarded`)).status).toBe(401);
    expect((await fetch(`${running.url}/mixed/open`)).status).toBe(200);
  });
});
