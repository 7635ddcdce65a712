import { PermissionQuerySyntaxError } from "../errors";

/** A parsed permission query: a permission name, or AND / OR over two or more sub-queries. */
export type PermissionQuery =
  | { readonly type: "permission"; readonly name: string }
  | { readonly type: "and"; readonly operands: readonly PermissionQuery[] }
  | { readonly type: "or"; readonly operands: readonly PermissionQuery[] };

/** Unkey caps `permissions` on `keys.verifyKey` at 1,000 characters. */
export const MAX_PERMISSION_QUERY_LENGTH = 1000;

const EXPECTED_OPERAND = "Expected permission name or opening parenthesis.";

type Token =
  | { kind: "name"; text: string; at: number }
  | { kind: "and" | "or" | "(" | ")"; text: string; at: number }
  | { kind: "end"; text: ""; at: number };

const isPermissionChar = (c: number) =>
  (c >= 0x61 && c <= 0x7a) || // a-z
  (c >= 0x41 && c <= 0x5a) || // A-Z
  (c >= 0x30 && c <= 0x39) || // 0-9
  c === 0x2e || // .
  c === 0x5f || // _
  c === 0x2d || // -
  c === 0x3a || // :
  c === 0x2a || // *
  c === 0x2f; // /

// Unkey's grammar allows exactly space, tab, CR and LF between tokens.
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === 0x28 || c === 0x29) {
      tokens.push({ kind: c === 0x28 ? "(" : ")", text: query[i] as string, at: i });
      i++;
    } else if (isPermissionChar(c)) {
      const start = i;
      while (i < query.length && isPermissionChar(query.charCodeAt(i))) i++;
      const text = query.slice(start, i);
      // Operators are whole words, case-insensitive: `ANDROID` stays a permission.
      const upper = text.toUpperCase();
      const kind = upper === "AND" ? "and" : upper === "OR" ? "or" : "name";
      tokens.push({ kind, text, at: start });
    } else {
      const char = String.fromCodePoint(query.codePointAt(i) ?? c);
      throw new PermissionQuerySyntaxError(
        query,
        i,
        `invalid character '${char}' at position ${i}. Permission names may contain only letters, digits and . _ - : * /`,
      );
    }
  }
  tokens.push({ kind: "end", text: "", at: query.length });
  return tokens;
}

/** The tokens of a query Unkey would take: a string of 1 to 1000 characters, not blank. */
function tokensOf(query: string): Token[] {
  if (typeof query !== "string") {
    throw new PermissionQuerySyntaxError(String(query), 0, "a permission query must be a string");
  }
  if (query.length > MAX_PERMISSION_QUERY_LENGTH) {
    throw new PermissionQuerySyntaxError(
      query,
      MAX_PERMISSION_QUERY_LENGTH,
      `the query is ${query.length} characters long; Unkey accepts at most ${MAX_PERMISSION_QUERY_LENGTH}`,
    );
  }
  const tokens = tokenize(query);
  if (tokens.length === 1) {
    throw new PermissionQuerySyntaxError(query, 0, "the query is empty");
  }
  return tokens;
}

/**
 * Parses a permission query written in Unkey's grammar: permission names joined
 * by `AND` and `OR` (case-insensitive, `AND` binds tighter), grouped with
 * parentheses. Throws a {@link PermissionQuerySyntaxError} naming the position
 * on any syntax error, with Unkey's wording.
 *
 * @example
 * ```ts
 * parsePermissionQuery("docs.read AND (docs.write OR admin)");
 * // { type: "and", operands: [{ type: "permission", name: "docs.read" }, { type: "or", … }] }
 * ```
 */
export function parsePermissionQuery(query: string): PermissionQuery {
  const tokens = tokensOf(query);
  let pos = 0;
  const peek = () => tokens[pos] as Token;

  const unexpected = (token: Token, expected: string): never => {
    const what =
      token.kind === "end"
        ? `unexpected end of query at position ${token.at}`
        : `unexpected token '${token.text}' at position ${token.at}`;
    throw new PermissionQuerySyntaxError(query, token.at, `${what}. ${expected}`);
  };

  const primary = (): PermissionQuery => {
    const token = peek();
    if (token.kind === "name") {
      pos++;
      return { type: "permission", name: token.text };
    }
    if (token.kind === "(") {
      pos++;
      const inner = expression();
      const close = peek();
      if (close.kind !== ")") unexpected(close, "Expected closing parenthesis.");
      pos++;
      return inner;
    }
    return unexpected(token, EXPECTED_OPERAND);
  };

  const chain = (kind: "and" | "or", operand: () => PermissionQuery): PermissionQuery => {
    const first = operand();
    if (peek().kind !== kind) return first;
    const operands = [first];
    while (peek().kind === kind) {
      pos++;
      operands.push(operand());
    }
    return { type: kind, operands };
  };

  const andExpression = () => chain("and", primary);
  const expression = () => chain("or", andExpression);

  const tree = expression();
  const rest = peek();
  if (rest.kind !== "end") unexpected(rest, "Expected AND, OR or end of query.");
  return tree;
}

/**
 * Prints a parsed query back to Unkey's syntax, with only the parentheses the
 * tree needs: `parsePermissionQuery(printPermissionQuery(q))` equals `q`.
 *
 * @example
 * ```ts
 * printPermissionQuery(parsePermissionQuery("((a)) or b and c")); // "a OR b AND c"
 * ```
 */
export function printPermissionQuery(query: PermissionQuery): string {
  if (query.type === "permission") return query.name;
  const separator = query.type === "and" ? " AND " : " OR ";
  return query.operands
    .map((operand) => {
      // An AND operand that is itself a chain needs parentheses; so does an OR inside an OR,
      // or the flat chain would re-parse as one longer chain.
      const grouped =
        operand.type !== "permission" && (query.type === "and" || operand.type === "or");
      const text = printPermissionQuery(operand);
      return grouped ? `(${text})` : text;
    })
    .join(separator);
}

/**
 * Evaluates a query (a string or a parsed tree) against a key's permissions by
 * exact membership: `*` is a literal character, not a wildcard.
 *
 * @example
 * ```ts
 * evaluatePermissionQuery("docs.read AND docs.write", ["docs.read"]); // false
 * evaluatePermissionQuery("api.*", ["api.read"]);                      // false
 * ```
 */
export function evaluatePermissionQuery(
  query: string | PermissionQuery,
  permissions: ReadonlySet<string> | readonly string[],
): boolean {
  const tree = typeof query === "string" ? parsePermissionQuery(query) : query;
  const granted: ReadonlySet<string> =
    permissions instanceof Set ? permissions : new Set(permissions as readonly string[]);
  return holds(tree, granted);
}

/** The evaluation itself, allocation-free: the hot path calls this with a prepared set. */
export function holds(query: PermissionQuery, granted: ReadonlySet<string>): boolean {
  switch (query.type) {
    case "permission":
      return granted.has(query.name);
    case "and":
      for (const operand of query.operands) if (!holds(operand, granted)) return false;
      return true;
    case "or":
      for (const operand of query.operands) if (holds(operand, granted)) return true;
      return false;
  }
}
