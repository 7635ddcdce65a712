// Transcribed from unkeyed/unkey pkg/rbac/parser.go and pkg/rbac/query.go.
// Grammar (AND binds tighter than OR, both left-associative):
//   expression    → andExpression (OR andExpression)*
//   andExpression → primary (AND primary)*
//   primary       → PERMISSION | "(" expression ")"
import { type Token, tokenize } from "./permission-query-lexer";

/**
 * A parsed permission query: a leaf permission, or an AND/OR of sub-queries. A
 * leaf with `urn` also matches resource-permission grants that cover it, as a
 * leaf built with Unkey's `rbac.U` does (pkg/rbac/query.go lines 35-38); the
 * parser never sets it.
 */
export type PermissionQuery =
  | { operation: "permission"; value: string; urn?: true }
  | { operation: "and" | "or"; children: PermissionQuery[] };

/** A permission query Unkey would refuse (400 `permissions_query_syntax_error`). */
export class PermissionQuerySyntaxError extends Error {
  override readonly name = "PermissionQuerySyntaxError";
}

/** A leaf, like Unkey's `rbac.S`. */
export const permission = (value: string): PermissionQuery => ({ operation: "permission", value });
/**
 * A resource-permission leaf `{resource}#{action}`, like Unkey's `rbac.U`
 * (pkg/rbac/urn.go lines 37-44): wildcard grants such as
 * `unkey:v1:ws_1:keyspaces/*\/keys/*#read_key` cover it.
 */
export const unkeyPermission = (resource: string, action: string): PermissionQuery => ({
  operation: "permission",
  value: `${resource}#${action}`,
  urn: true,
});
/** Like Unkey's `rbac.And`. */
export const and = (...children: PermissionQuery[]): PermissionQuery => ({
  operation: "and",
  children,
});
/** Like Unkey's `rbac.Or`. */
export const or = (...children: PermissionQuery[]): PermissionQuery => ({
  operation: "or",
  children,
});

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  current(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token;
  }

  advance(): void {
    this.index++;
  }

  expression(): PermissionQuery {
    let left = this.andExpression();
    while (this.current().type === "or") {
      this.advance();
      left = or(left, this.andExpression());
    }
    return left;
  }

  andExpression(): PermissionQuery {
    let left = this.primary();
    while (this.current().type === "and") {
      this.advance();
      left = and(left, this.primary());
    }
    return left;
  }

  primary(): PermissionQuery {
    const token = this.current();
    switch (token.type) {
      case "permission":
        this.advance();
        return permission(token.value);
      case "lparen":
        return this.group();
      case "eof":
        throw new PermissionQuerySyntaxError(
          "Unexpected end of query. Expected a permission identifier or opening parenthesis.",
        );
      case "error":
        // parser.go re-wraps the lexer's error with fmt.Errorf, which keeps no
        // public message: Unkey's 400 then carries an empty `detail`.
        throw new PermissionQuerySyntaxError("");
      default:
        throw new PermissionQuerySyntaxError(
          `Unexpected token '${token.value}' at position ${token.pos}. Expected a permission identifier or opening parenthesis.`,
        );
    }
  }

  group(): PermissionQuery {
    this.advance();
    if (this.current().type === "rparen") {
      throw new PermissionQuerySyntaxError(
        `Empty parentheses found at position ${this.current().pos}. Parentheses must contain at least one permission or expression.`,
      );
    }
    const inner = this.expression();
    if (this.current().type !== "rparen") {
      throw new PermissionQuerySyntaxError(
        `Missing closing parenthesis ')' at position ${this.current().pos}. Every opening parenthesis must have a matching closing parenthesis.`,
      );
    }
    this.advance();
    return inner;
  }
}

/**
 * Parses a permission query exactly as Unkey's `rbac.ParseQuery` does.
 * Unkey enforces no length limit here: the 1000-character bound lives in the
 * OpenAPI schema of the request field.
 *
 * @example
 * ```ts
 * parsePermissionQuery("a OR b AND c"); // or(permission("a"), and(permission("b"), permission("c")))
 * ```
 */
export function parsePermissionQuery(query: string): PermissionQuery {
  const parser = new Parser(tokenize(query));
  if (parser.current().type === "eof") {
    throw new PermissionQuerySyntaxError(
      "Unexpected end of input. Please provide a valid permission query.",
    );
  }
  const result = parser.expression();
  const rest = parser.current();
  if (rest.type !== "eof") {
    throw new PermissionQuerySyntaxError(
      `Unexpected token '${rest.value}' at position ${rest.pos}. The query appears to have extra content after a valid expression.`,
    );
  }
  return result;
}
