import { createUnkeyDocument } from "@keyguard/nestjs/swagger";
import type { INestApplication } from "@nestjs/common";
import { DocumentBuilder, SwaggerModule } from "@nestjs/swagger";

/**
 * Serves the OpenAPI document at `/openapi.json` and Swagger UI at `/docs`.
 * `createUnkeyDocument` declares the API-key scheme, security, 401/403/429/503
 * and x-permissions from the metadata UnkeyGuard reads: no route is annotated.
 */
export function setupOpenApi(app: INestApplication) {
  const config = new DocumentBuilder().setTitle("Orders API").setVersion("1.0.0").build();
  const document = createUnkeyDocument(app, config);
  SwaggerModule.setup("docs", app, document, { jsonDocumentUrl: "openapi.json" });
  return document;
}
