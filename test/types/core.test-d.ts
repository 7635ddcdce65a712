import {
  createVerifier,
  type GuardOptions,
  type Identity,
  type KeyContext,
  type KeyMeta,
  type VerifierOptions,
  type VerifyResult,
} from "@keyguard/core";
import { createGuard, type Decision } from "@keyguard/core/adapter";
import { describe, expectTypeOf, it } from "vitest";

describe("@keyguard/core types", () => {
  it("options take values read from the environment under exactOptionalPropertyTypes", () => {
    const options: VerifierOptions = {
      rootKey: process.env.UNKEY_ROOT_KEY,
      baseUrl: process.env.UNKEY_BASE_URL,
      cache: { ttlMs: undefined },
    };
    expectTypeOf(createVerifier(options).verify).returns.resolves.toEqualTypeOf<VerifyResult>();
  });

  it("an option typo does not compile", () => {
    // @ts-expect-error `rootkey` is not an option (and is refused at run time too).
    const options: GuardOptions = { rootkey: "x" };
    expectTypeOf(options).toEqualTypeOf<GuardOptions>();
  });

  it("KeyContext<Meta> types meta; without a Register, the default is a plain record", () => {
    expectTypeOf<KeyContext<{ plan: "free" | "pro" }>["meta"]>().toEqualTypeOf<
      Readonly<{ plan: "free" | "pro" }> | undefined
    >();
    // An interface has no implicit index signature: Meta is any object type.
    interface Company {
      company: string;
    }
    expectTypeOf<KeyContext<Company>["meta"]>().toEqualTypeOf<Readonly<Company> | undefined>();
    expectTypeOf<KeyMeta>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<KeyContext["meta"]>().toEqualTypeOf<
      Readonly<Record<string, unknown>> | undefined
    >();
    expectTypeOf<VerifyResult["meta"]>().toEqualTypeOf<KeyContext["meta"]>();
    expectTypeOf<Identity["meta"]>().toEqualTypeOf<Readonly<Record<string, unknown>> | undefined>();
    expectTypeOf<KeyContext["source"]>().toEqualTypeOf<
      "upstream" | "cache" | "stale" | "fail-open"
    >();
  });

  it("the adapter kit's guard decides synchronously or not", () => {
    const guard = createGuard({ rootKey: "unkey_root_x" });
    expectTypeOf(guard.check).returns.toEqualTypeOf<Decision | Promise<Decision>>();
  });
});
