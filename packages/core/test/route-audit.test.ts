import { describe, expect, it } from "vitest";
import {
  assertClosed,
  auditRows,
  createRouteAudit,
  type FoundRoute,
  prepareRequest,
  requirementsOf,
  routeFromChain,
} from "../src/adapter";
import { formatRouteAudit, type RouteAuditOptions } from "../src/index";
import { configError } from "./config-error";

const AT = "auditRoutes(app)";
const rows = (found: FoundRoute[], options?: RouteAuditOptions) => auditRows(found, options, AT);

describe("auditRows: the rows every adapter returns", () => {
  it("keeps the first route of a method and path (the one that answers), sorted by path then method", () => {
    expect(
      rows([
        { method: "post", path: "/b", access: "open" },
        { method: "GET", path: "/b", access: "key", cost: 2 },
        { method: "GET", path: "/b", access: "open" }, // never reached
        { method: "GET", path: "/a", access: "public" },
      ]),
    ).toEqual([
      { method: "GET", path: "/a", access: "public" },
      { method: "GET", path: "/b", access: "key", cost: 2 },
      { method: "POST", path: "/b", access: "open" },
    ]);
  });

  it("marks listed open routes public, method case-insensitive; a listed guarded route stays key", () => {
    expect(
      rows(
        [
          { method: "GET", path: "/health", access: "open" },
          { method: "GET", path: "/docs", access: "key", permissions: "docs.read" },
        ],
        { public: ["get /health", "GET /docs"] },
      ),
    ).toEqual([
      { method: "GET", path: "/docs", access: "key", permissions: "docs.read" },
      { method: "GET", path: "/health", access: "public" },
    ]);
  });

  it("shows only what a route asks: no empty ratelimits, nothing on public or open rows", () => {
    const found = routeFromChain("GET", "/x", [
      { sources: [], ...requirementsOf(prepareRequest({})) },
    ]);
    expect(rows([found])).toEqual([{ method: "GET", path: "/x", access: "key" }]);
    expect(Object.keys(rows([found])[0] ?? {})).toEqual(["method", "path", "access"]);
  });

  it("refuses public entries that name no route, all in one error, with what each may have meant", () => {
    const found: FoundRoute[] = [
      { method: "GET", path: "/health", access: "open" },
      { method: "POST", path: "/login", access: "open" },
    ];
    const error = configError(() =>
      rows(found, { public: ["GET /helth", "GET /login", "GET /nowhere/at/all"] }),
    );
    expect(error.option).toBe("public");
    expect(error.message).toContain(
      'names routes this app does not have: "GET /helth" (did you mean "GET /health"?), "GET /login" (did you mean "POST /login"?), "GET /nowhere/at/all".',
    );
  });

  it("refuses bad options by name, where the audit was called", () => {
    const unknown = configError(() => rows([], { publik: [] } as never));
    expect(unknown.option).toBe("publik");
    expect(unknown.message).toContain("auditRoutes(app): invalid option `publik`");
    expect(configError(() => rows([], { public: "GET /x" } as never)).option).toBe("public");
    expect(configError(() => rows([], { public: ["GET /x", 7] } as never)).option).toBe(
      "public[1]",
    );
  });
});

describe("routeFromChain: the guards in front of a route", () => {
  it("is key only when one verifies a key: requirePermissions() alone stays open", () => {
    expect(routeFromChain("GET", "/x", [{ permissions: "a" }])).toEqual({
      method: "GET",
      path: "/x",
      access: "open",
    });
  });

  it("joins every query with AND and takes the first verifying guard's cost and rate limits", () => {
    const first = { sources: [], permissions: "a", cost: 1, ratelimits: ["r1"] };
    const second = { sources: [], permissions: "b OR c", cost: 9 };
    expect(routeFromChain("GET", "/x", [first, second, { permissions: "d" }])).toEqual({
      method: "GET",
      path: "/x",
      access: "key",
      permissions: "(a) AND (b OR c) AND (d)",
      cost: 1,
      ratelimits: ["r1"],
    });
  });
});

describe("assertClosed and createRouteAudit", () => {
  const discover = () => [
    { method: "GET", path: "/a", access: "open" as const },
    { method: "GET", path: "/b", access: "key" as const },
  ];
  const audit = createRouteAudit(discover, "`@Public()`");

  it("names every open route, and the framework's way to mark one public", () => {
    const error = configError(() => audit.assertNoOpenRoutes({}));
    expect(error.option).toBe("public");
    expect(error.message).toBe(
      'assertNoOpenRoutes(app): invalid option `public`: 1 route answers without an API key and is not marked public: GET /a. Put a keyguard guard in front of it, or, if it is public on purpose, mark it with `@Public()` or list it in the audit\'s `public` option ("METHOD /path").',
    );
  });

  it("returns the rows when none is open", () => {
    expect(audit.assertNoOpenRoutes({}, { public: ["GET /a"] })).toEqual(
      audit.auditRoutes({}, { public: ["GET /a"] }),
    );
    expect(assertClosed([], AT)).toEqual([]);
  });
});

describe("formatRouteAudit", () => {
  it("aligns every column to its widest cell and trims each line", () => {
    expect(
      formatRouteAudit([
        { method: "DELETE", path: "/docs/:id", access: "key", permissions: "admin", cost: 10 },
        { method: "GET", path: "/", access: "key", ratelimits: ["burst", "daily"] },
        { method: "GET", path: "/health", access: "public" },
      ]),
    ).toBe(
      [
        "METHOD  PATH       ACCESS  PERMISSIONS  COST  RATELIMITS",
        "DELETE  /docs/:id  key     admin        10    -",
        "GET     /          key     -            -     burst, daily",
        "GET     /health    public  -            -     -",
      ].join("\n"),
    );
  });

  it("prints the heading alone for an app without routes", () => {
    expect(formatRouteAudit([])).toBe("METHOD  PATH  ACCESS  PERMISSIONS  COST  RATELIMITS");
  });
});
