// The keyguard plugin's route table alone: each route's config.unkey compiled once, whether
// onRoute saw it or its first request does, and errors naming the route.
import { KeyguardConfigError } from "@keyguard/core";
import { createGuard } from "@keyguard/core/adapter";
import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import type { FastifyRouteUnkeyOptions } from "../src/options";
import { createRouteTable, PUBLIC } from "../src/route-table";

const table = () => createRouteTable(createGuard({ rootKey: "unkey_root_test" }));

/** A request as the table reads it: only its route's method and pattern. */
const requestOf = (method: string, url: string | undefined) =>
  ({ routeOptions: { method, url } }) as unknown as FastifyRequest;

describe("createRouteTable", () => {
  it("gives every route without config.unkey the plugin's own route", () => {
    const routes = table();
    const declared = routes.declare(undefined, "GET", "/a");
    expect(declared).not.toBe(PUBLIC);
    expect(routes.of(undefined, requestOf("GET", "/b"))).toBe(declared);
  });

  it("compiles a declared route once; its requests get the same compiled route", () => {
    const routes = table();
    const config: FastifyRouteUnkeyOptions = { permissions: "docs.read" };
    const declared = routes.declare(config, "GET", "/docs");
    expect(declared?.querySource).toBe("docs.read");
    expect(routes.declare(config, "GET", "/docs")).toBe(declared);
    expect(routes.of(config, requestOf("GET", "/docs"))).toBe(declared);
  });

  it("compiles a public route to PUBLIC", () => {
    const routes = table();
    const config = { public: true };
    expect(routes.declare(config, "GET", "/health")).toBe(PUBLIC);
    expect(routes.of(config, requestOf("GET", "/health"))).toBe(PUBLIC);
  });

  it("compiles a route onRoute never saw at its first request, then keeps it", () => {
    const routes = table();
    const config: FastifyRouteUnkeyOptions = { permissions: "docs.write" };
    const first = routes.of(config, requestOf("POST", "/docs"));
    expect(first?.querySource).toBe("docs.write");
    expect(routes.of(config, requestOf("POST", "/docs"))).toBe(first);
    expect(routes.declare(config, "POST", "/docs")).toBe(first);
  });

  it("names the option and the route, by its pattern, in a config error", () => {
    const routes = table();
    const declared = () =>
      routes.declare({ permissions: "docs.read and (" }, ["GET", "HEAD"], "/x");
    expect(declared).toThrow(KeyguardConfigError);
    expect(declared).toThrow(/config\.unkey\.permissions/);
    expect(declared).toThrow(/route GET,HEAD \/x/);
    const unmatched = () => routes.of({ nope: 1 } as never, requestOf("GET", undefined));
    expect(unmatched).toThrow(/config\.unkey\.nope/);
    expect(unmatched).toThrow(/route GET \(unmatched\)/);
  });
});
