// Transcribed from unkeyed/unkey pkg/rbac/lexer.go (behaviour, not code).
// Unkey lexes the query byte by byte, so positions are UTF-8 byte offsets and
// a byte is tested on its own (Go's `unicode.IsLetter(rune(byte))`): a byte
// 0xC0–0xFF counts as a Latin-1 letter even inside a multi-byte character.

/** The kinds of token Unkey's permission-query lexer produces. */
export type TokenType = "permission" | "and" | "or" | "lparen" | "rparen" | "eof" | "error";

/** One token: its kind, its text (the message for `error`) and its byte offset. */
export interface Token {
  type: TokenType;
  value: string;
  pos: number;
}

const LETTER = /\p{L}/u;
const decoder = new TextDecoder();

/** pkg/rbac/lexer.go isValidPermissionChar: letters, digits and `. _ - * : /`. */
export function isPermissionByte(byte: number): boolean {
  if (byte >= 0x30 && byte <= 0x39) return true;
  if (byte === 0x2e || byte === 0x5f || byte === 0x2d || byte === 0x2a) return true;
  if (byte === 0x3a || byte === 0x2f) return true;
  return LETTER.test(String.fromCharCode(byte));
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Splits a permission query into tokens, stopping at the first `eof` or
 * `error`. A NUL byte ends the input, as in Unkey (its lexer uses NUL as EOF).
 */
export function tokenize(input: string): Token[] {
  const bytes = new TextEncoder().encode(input);
  const at = (i: number) => (i < bytes.length ? (bytes[i] as number) : 0);
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (isWhitespace(at(i))) i++;
    const byte = at(i);
    if (byte === 0) {
      tokens.push({ type: "eof", value: "", pos: i });
      return tokens;
    }
    if (byte === 0x28 || byte === 0x29) {
      tokens.push({
        type: byte === 0x28 ? "lparen" : "rparen",
        value: byte === 0x28 ? "(" : ")",
        pos: i,
      });
      i++;
      continue;
    }
    if (!isPermissionByte(byte)) {
      const char = String.fromCharCode(byte);
      tokens.push({
        type: "error",
        // Unkey keeps the error's internal text as the token value; its public
        // message is dropped on the way up (see permission-query-parser.ts).
        value: `invalid character '${char}' at position ${i} in query`,
        pos: i,
      });
      return tokens;
    }
    const start = i;
    while (isPermissionByte(at(i))) i++;
    const value = decoder.decode(bytes.subarray(start, i));
    // Operators are case-insensitive whole words: "ANDROID" stays a permission.
    const upper = value.toUpperCase();
    const type = upper === "AND" ? "and" : upper === "OR" ? "or" : "permission";
    tokens.push({ type, value, pos: start });
  }
}
