import "reflect-metadata";
import { Public, RequirePermissions, UnkeyGuard, UnkeyModule } from "@keyguard/nestjs";
import { createUnkeyDocument } from "@keyguard/nestjs/swagger";
import { Controller, Get, type INestApplication, Module, Post } from "@nestjs/common";
import { APP_GUARD, NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { DocumentBuilder } from "@nestjs/swagger";
import swaggerPackage from "@nestjs/swagger/package.json" with { type: "json" };
import { validate } from "@readme/openapi-parser";
import { afterEach, describe, expect, it } from "vitest";

// The built @keyguard/nestjs/swagger on NestJS 12 with @nestjs/swagger 12.

@Controller("docs")
@RequirePermissions("docs.read")
class DocsController {
  @Get()
  list() {
    return [];
  }

  @Post()
  @RequirePermissions("docs.write")
  create() {
    return {};
  }

  @Public()
  @Get("health")
  health() {
    return "ok";
  }
}

@Controller()
class MeController {
  @Get("me")
  me() {
    return {};
  }
}

@Module({
  imports: [UnkeyModule.forRoot({ rootKey: "unkey_root_test", baseUrl: "http://127.0.0.1:9" })],
  controllers: [DocsController, MeController],
  providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
})
class AppModule {}

type Document = {
  paths: Record<string, Record<string, { security?: unknown[]; "x-permissions"?: string }>>;
};

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe.each(["express", "fastify"])("createUnkeyDocument on NestJS 12 (%s)", (platform) => {
  it("runs @nestjs/swagger 12", () => {
    expect(swaggerPackage.version).toMatch(/^12\./);
  });

  it("documents guarded and public routes; the document is valid and matches reality", async () => {
    app = await NestFactory.create(
      AppModule,
      platform === "express" ? new ExpressAdapter() : new FastifyAdapter(),
      { logger: false },
    );
    const config = new DocumentBuilder().setTitle("docs").setVersion("1.0.0").build();
    // The workspace's @keyguard/nestjs types name its own (NestJS 11) copy; a user's install has one.
    const document = createUnkeyDocument(app as never, config as never) as unknown as Document;
    expect(document.paths["/docs"]?.get?.["x-permissions"]).toBe("docs.read");
    expect(document.paths["/docs"]?.post?.["x-permissions"]).toBe("docs.write");
    expect(document.paths["/docs/health"]?.get?.security).toBeUndefined();
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);

    await app.listen(0, "127.0.0.1");
    const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
    let checked = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const response = await fetch(`${url}${path}`, { method });
        if (operation.security) expect(response.status, `${method} ${path}`).toBe(401);
        else expect(response.status, `${method} ${path}`).not.toBe(401);
        checked++;
      }
    }
    expect(checked).toBe(4);
  });
});
