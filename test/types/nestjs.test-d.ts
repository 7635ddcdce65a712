import {
  ApiKey,
  assertNoOpenRoutes,
  auditRoutes,
  type KeyContext,
  RequirePermissions,
  type RouteAuditRow,
  UnkeyModule,
  UnkeyRoute,
} from "@keyguard/nestjs";
import type { INestApplication } from "@nestjs/common";
import { describe, expectTypeOf, it } from "vitest";

describe("@keyguard/nestjs types", () => {
  it("forRoot takes environment values under exactOptionalPropertyTypes", () => {
    UnkeyModule.forRoot({ rootKey: process.env.UNKEY_ROOT_KEY });
    // @ts-expect-error `rootkey` is not an option.
    UnkeyModule.forRoot({ rootkey: "x" });
  });

  it("@ApiKey() takes a KeyContext field; the decorators take route options", () => {
    expectTypeOf(ApiKey).parameter(0).toEqualTypeOf<keyof KeyContext | undefined>();
    RequirePermissions("docs.read AND docs.write");
    UnkeyRoute({ cost: 2, tags: ["route=/x"] });
    // @ts-expect-error `cots` is not a route option.
    UnkeyRoute({ cots: 2 });
  });

  it("auditRoutes takes the INestApplication", () => {
    const audit = (app: INestApplication) => {
      expectTypeOf(auditRoutes(app)).toEqualTypeOf<RouteAuditRow[]>();
      return assertNoOpenRoutes(app, { public: ["GET /health"] });
    };
    expectTypeOf(audit).returns.toEqualTypeOf<readonly RouteAuditRow[]>();
  });
});
