import {
  createVerifier,
  type Identity,
  type IdentityMeta,
  type KeyContext,
  type KeyMeta,
  type VerifyResult,
} from "@keyguard/core";
import { keyOf as expressKeyOf, unkey as expressUnkey } from "@keyguard/express";
import { keyguard } from "@keyguard/fastify";
import { keyOf as honoKeyOf, unkey as honoUnkey } from "@keyguard/hono";
import { ApiKey, type KeyContext as NestKeyContext } from "@keyguard/nestjs";
import { withUnkey } from "@keyguard/next";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { describe, expectTypeOf, it } from "vitest";

/** What this program's keys carry: a type alias for `meta`, an interface for the identity's. */
type Meta = { plan: "free" | "pro"; seats?: number };
interface Company {
  company: string;
}

// Declared once, through an adapter: it reaches the one interface of @keyguard/core, which
// every adapter re-exports (a user need not have @keyguard/core installed at the top), so
// the core and every other adapter see it. Once: TypeScript does not merge declarations
// made through two different re-exporting modules (the second hides the first).
declare module "@keyguard/express" {
  interface Register {
    meta: Meta;
    identityMeta: Company;
  }
}

type Plan = "free" | "pro" | undefined;

describe("Register types meta everywhere, under noPropertyAccessFromIndexSignature", () => {
  it("the core's results and contexts carry the declared shapes", async () => {
    expectTypeOf<KeyMeta>().toEqualTypeOf<Meta>();
    expectTypeOf<IdentityMeta>().toEqualTypeOf<Company>();
    expectTypeOf<VerifyResult["meta"]>().toEqualTypeOf<Readonly<Meta> | undefined>();
    expectTypeOf<KeyContext["meta"]>().toEqualTypeOf<Readonly<Meta> | undefined>();
    expectTypeOf<Identity["meta"]>().toEqualTypeOf<Readonly<Company> | undefined>();
    const result = await createVerifier({ rootKey: "unkey_root_x" }).verify("sk_x");
    expectTypeOf(result.meta?.plan).toEqualTypeOf<Plan>();
    expectTypeOf(result.identity?.meta?.company).toEqualTypeOf<string | undefined>();
  });

  it("a field the declaration lacks does not compile; KeyContext<Meta> still overrides", () => {
    const context = {} as KeyContext;
    // @ts-expect-error `tier` is not declared: no index signature to read it through.
    expectTypeOf(context.meta?.["tier"]).toBeUnknown();
    // An interface is a valid Meta (it has no implicit index signature).
    expectTypeOf<KeyContext<Company>["meta"]>().toEqualTypeOf<Readonly<Company> | undefined>();
  });

  it("Express: req.unkey and keyOf(req)", () => {
    const app = express();
    app.use(expressUnkey());
    app.get("/", (req, res) => {
      expectTypeOf(req.unkey?.meta?.plan).toEqualTypeOf<Plan>();
      expectTypeOf(expressKeyOf(req).meta?.seats).toEqualTypeOf<number | undefined>();
      res.end();
    });
  });

  it("Hono: c.get('unkey'), c.var.unkey and keyOf(c)", () => {
    const app = new Hono();
    app.use(honoUnkey());
    app.get("/", (c) => {
      expectTypeOf(c.get("unkey")?.meta?.plan).toEqualTypeOf<Plan>();
      expectTypeOf(c.var.unkey?.identity?.meta?.company).toEqualTypeOf<string | undefined>();
      expectTypeOf(honoKeyOf(c).meta?.plan).toEqualTypeOf<Plan>();
      return c.body(null);
    });
  });

  it("Fastify: request.unkey", async () => {
    const app = Fastify();
    await app.register(keyguard);
    app.get("/", (request) => {
      expectTypeOf(request.unkey?.meta?.plan).toEqualTypeOf<Plan>();
      return null;
    });
  });

  it("NestJS: the KeyContext an @ApiKey() parameter is annotated with", () => {
    expectTypeOf<NestKeyContext["meta"]>().toEqualTypeOf<Readonly<Meta> | undefined>();
    expectTypeOf(ApiKey).toBeCallableWith("meta");
  });

  it("Next.js: withUnkey's unkey", () => {
    withUnkey(async (_request, { unkey }) => {
      expectTypeOf(unkey.meta?.plan).toEqualTypeOf<Plan>();
      expectTypeOf(unkey.identity?.meta?.company).toEqualTypeOf<string | undefined>();
      return new Response(null);
    });
  });
});
