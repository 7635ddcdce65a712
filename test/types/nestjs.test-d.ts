import {
  ApiKey,
  type KeyContext,
  RequirePermissions,
  UnkeyModule,
  UnkeyRoute,
} from "@keyguard/nestjs";
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
});
