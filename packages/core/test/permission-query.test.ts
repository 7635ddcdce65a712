import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  and,
  evaluatePermissionQuery,
  KeyguardSetupError,
  or,
  type PermissionQuery,
  PermissionQuerySyntaxError,
  parsePermissionQuery,
} from "../src/index";
import {
  MAX_PERMISSION_QUERY_LENGTH,
  printPermissionQuery,
} from "../src/permissions/permission-query";

const p = (name: string): PermissionQuery => ({ type: "permission", name });

function syntaxError(query: string): PermissionQuerySyntaxError {
  try {
    parsePermissionQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(PermissionQuerySyntaxError);
    return error as PermissionQuerySyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be a syntax error`);
}

describe("parsePermissionQuery: grammar", () => {
  it("binds AND tighter than OR", () => {
    expect(parsePermissionQuery("a OR b AND c")).toEqual({
      type: "or",
      operands: [p("a"), { type: "and", operands: [p("b"), p("c")] }],
    });
    expect(parsePermissionQuery("a OR b AND c")).toEqual(parsePermissionQuery("a OR (b AND c)"));
    expect(parsePermissionQuery("a AND b OR c")).toEqual({
      type: "or",
      operands: [{ type: "and", operands: [p("a"), p("b")] }, p("c")],
    });
  });

  it("accepts redundant parentheses", () => {
    expect(parsePermissionQuery("((a))")).toEqual(p("a"));
    expect(parsePermissionQuery("(a OR b) AND c")).toEqual({
      type: "and",
      operands: [{ type: "or", operands: [p("a"), p("b")] }, p("c")],
    });
  });

  it.each([
    ["a(b)", 1],
    ["a AND", 5],
    ["AND a", 0],
    ["a AND ()", 7],
    ["(a AND b", 8],
    ["a @ b", 2],
    ["a b", 2],
    ["", 0],
    ["   ", 0],
    ["\t\r\n", 0],
    ["a OR OR b", 5],
    ["a )", 2],
    ["a\u00a0b", 1],
    ["a\fb", 1],
  ])("rejects %j at position %i", (query, position) => {
    const error = syntaxError(query);
    expect(error.position).toBe(position);
    expect(error.code).toBe("INVALID_PERMISSION_QUERY");
    expect(error.query).toBe(query);
  });

  it("rejects a query longer than 1000 characters at position 1000", () => {
    const long = "a".repeat(MAX_PERMISSION_QUERY_LENGTH + 1);
    expect(syntaxError(long).position).toBe(1000);
    expect(parsePermissionQuery("a".repeat(MAX_PERMISSION_QUERY_LENGTH))).toEqual(
      p("a".repeat(1000)),
    );
  });

  it("treats operators as case-insensitive whole words", () => {
    expect(parsePermissionQuery("ANDROID")).toEqual(p("ANDROID"));
    expect(parsePermissionQuery("ORACLE OR ANDROID")).toEqual({
      type: "or",
      operands: [p("ORACLE"), p("ANDROID")],
    });
    expect(parsePermissionQuery("a and b")).toEqual({ type: "and", operands: [p("a"), p("b")] });
    expect(parsePermissionQuery("a oR b AnD c")).toEqual(parsePermissionQuery("a OR b AND c"));
    expect(syntaxError("and").position).toBe(0);
  });

  it("allows space, tab, CR and LF between tokens", () => {
    expect(parsePermissionQuery("a\tAND\r\n(b\nOR\rc)")).toEqual({
      type: "and",
      operands: [p("a"), { type: "or", operands: [p("b"), p("c")] }],
    });
  });

  it("accepts every permission character", () => {
    expect(parsePermissionQuery("Api.v1_x-y:z/*9")).toEqual(p("Api.v1_x-y:z/*9"));
  });
});

describe("evaluatePermissionQuery", () => {
  it("uses exact membership: `*` is a literal, not a wildcard", () => {
    expect(evaluatePermissionQuery("api.*", ["api.read", "api.write"])).toBe(false);
    expect(evaluatePermissionQuery("api.*", ["api.*"])).toBe(true);
    expect(evaluatePermissionQuery("api", ["api.read"])).toBe(false);
  });

  it("applies AND/OR with precedence", () => {
    expect(evaluatePermissionQuery("a OR b AND c", ["a"])).toBe(true);
    expect(evaluatePermissionQuery("a OR b AND c", ["b"])).toBe(false);
    expect(evaluatePermissionQuery("(a OR b) AND c", ["a"])).toBe(false);
    expect(evaluatePermissionQuery("(a OR b) AND c", ["b", "c"])).toBe(true);
    expect(evaluatePermissionQuery("docs.read AND docs.write", new Set(["docs.read"]))).toBe(false);
  });

  it("throws on a syntax error in a string query", () => {
    expect(() => evaluatePermissionQuery("a AND", ["a"])).toThrow(PermissionQuerySyntaxError);
  });
});

describe("and() / or() builders", () => {
  it("build queries that print with the parentheses they need", () => {
    expect(and("a", "b")).toBe("a AND b");
    expect(or("a", "b")).toBe("a OR b");
    expect(and("docs.read", or("docs.write", "admin"))).toBe("docs.read AND (docs.write OR admin)");
    expect(or("admin", and("billing.read", "billing.write"))).toBe(
      "admin OR billing.read AND billing.write",
    );
    expect(and("x")).toBe("x");
  });

  it("builds queries with the meaning of their nesting", () => {
    const query = and("docs.read", or("docs.write", "admin"));
    expect(evaluatePermissionQuery(query, ["docs.read", "admin"])).toBe(true);
    expect(evaluatePermissionQuery(query, ["admin"])).toBe(false);
  });

  it("reject no parts and invalid parts", () => {
    // No parts is a bad call, not a bad option: its own wording (issue 29, item 6).
    expect(() => and()).toThrow(
      expect.objectContaining({
        name: "KeyguardSetupError",
        code: "INVALID_SETUP",
        at: "and()",
        message: "and(): needs at least one permission or sub-query.",
      }),
    );
    expect(() => or()).toThrow(KeyguardSetupError);
    expect(() => and("a b")).toThrow(PermissionQuerySyntaxError);
    expect(() => or("a", "")).toThrow(PermissionQuerySyntaxError);
  });
});

// --- property tests -------------------------------------------------------

const NAMES = ["a", "b", "c", "d", "api.*", "x:y/z", "ANDROID", "or_1"] as const;

const treeArbitrary: fc.Arbitrary<PermissionQuery> = fc
  .letrec<{ tree: PermissionQuery }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom(...NAMES).map((name) => p(name)),
      fc
        .record({
          type: fc.constantFrom("and" as const, "or" as const),
          operands: fc.array(tie("tree"), { minLength: 2, maxLength: 4 }),
        })
        .map((node): PermissionQuery => node),
    ),
  }))
  .tree.filter((tree) => printPermissionQuery(tree).length <= MAX_PERMISSION_QUERY_LENGTH);

/** The reference semantics, written independently of the library. */
function reference(tree: PermissionQuery, granted: readonly string[]): boolean {
  if (tree.type === "permission") return granted.includes(tree.name);
  const values = tree.operands.map((operand) => reference(operand, granted));
  return tree.type === "and" ? values.every(Boolean) : values.some(Boolean);
}

describe("permission query properties", () => {
  it("evaluates like the reference evaluator, as a tree and as printed text", () => {
    fc.assert(
      fc.property(treeArbitrary, fc.subarray([...NAMES]), (tree, granted) => {
        const expected = reference(tree, granted);
        expect(evaluatePermissionQuery(tree, granted)).toBe(expected);
        expect(evaluatePermissionQuery(printPermissionQuery(tree), new Set(granted))).toBe(
          expected,
        );
      }),
      { numRuns: 300 },
    );
  });

  it("parses what it prints back to the same tree", () => {
    fc.assert(
      fc.property(treeArbitrary, (tree) => {
        expect(parsePermissionQuery(printPermissionQuery(tree))).toEqual(tree);
      }),
      { numRuns: 300 },
    );
  });

  it("throws only PermissionQuerySyntaxError on arbitrary input", () => {
    const chars = fc.constantFrom("a", "b", " ", "(", ")", "AND", "OR", "and", "@", "\t");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }), (parts) => {
        const query = parts.join("");
        try {
          parsePermissionQuery(query);
        } catch (error) {
          expect(error).toBeInstanceOf(PermissionQuerySyntaxError);
          const { position } = error as PermissionQuerySyntaxError;
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(query.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
