/** One challenge of a `WWW-Authenticate` field: its scheme and auth-params (names lower-cased). */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
  /** A token68 in place of auth-params, when the challenge has one. */
  readonly token68?: string;
}

// RFC 9110 §5.6.2: tchar.
const isTchar = (c: string) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/.test(c);

/** Reads the field character by character, as RFC 9110 §11.6.1 and §5.6 define it. */
class Reader {
  at = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }
  peek(): string | undefined {
    return this.text[this.at];
  }
  fail(what: string): never {
    throw new SyntaxError(`${what} at ${this.at} of ${JSON.stringify(this.text)}`);
  }
  /** OWS / BWS: spaces and tabs. */
  spaces(): number {
    const start = this.at;
    while (this.peek() === " " || this.peek() === "\t") this.at++;
    return this.at - start;
  }
  token(): string {
    const start = this.at;
    while (!this.done && isTchar(this.peek() as string)) this.at++;
    if (this.at === start) this.fail("expected a token");
    return this.text.slice(start, this.at);
  }
  /** §5.6.4: DQUOTE *( qdtext / quoted-pair ) DQUOTE. */
  quoted(): string {
    if (this.peek() !== '"') this.fail("expected a quoted-string");
    this.at++;
    let value = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("unterminated quoted-string");
      this.at++;
      if (c === '"') return value;
      if (c === "\\") {
        const escaped = this.peek();
        if (escaped === undefined) this.fail("unterminated quoted-pair");
        value += escaped;
        this.at++;
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 && code !== 0x09) this.fail("control character in a quoted-string");
        if (code === 0x7f) this.fail("DEL in a quoted-string");
        value += c;
      }
    }
  }
  /** Whether the text at the cursor is `token BWS "="` (an auth-param), without moving. */
  atParam(): boolean {
    const saved = this.at;
    try {
      this.token();
      this.spaces();
      return this.peek() === "=" && this.text[this.at + 1] !== "=";
    } catch {
      return false;
    } finally {
      this.at = saved;
    }
  }
  /** §11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
  token68(): string {
    const start = this.at;
    while (!this.done && /^[A-Za-z0-9\-._~+/]$/.test(this.peek() as string)) this.at++;
    if (this.at === start) this.fail("expected a token68");
    while (this.peek() === "=") this.at++;
    return this.text.slice(start, this.at);
  }
  expect(c: string): void {
    if (this.peek() !== c) this.fail(`expected ${JSON.stringify(c)}`);
    this.at++;
  }
  skipCommas(): void {
    while (this.peek() === "," || this.peek() === " " || this.peek() === "\t") this.at++;
  }
}

function params(reader: Reader): Record<string, string> {
  const out: Record<string, string> = {};
  for (;;) {
    const name = reader.token().toLowerCase();
    reader.spaces();
    reader.expect("=");
    reader.spaces();
    const value = reader.peek() === '"' ? reader.quoted() : reader.token();
    // RFC 9110 §11.2: each auth-param name occurs at most once per challenge.
    if (name in out) reader.fail(`repeated auth-param ${name}`);
    out[name] = value;
    reader.spaces();
    if (reader.peek() !== ",") return out;
    // A comma ends this param; what follows is another param, or the next challenge.
    const comma = reader.at;
    reader.skipCommas();
    if (reader.done || !reader.atParam()) {
      reader.at = comma;
      return out;
    }
  }
}

/**
 * Parses a `WWW-Authenticate` field value into its challenges (RFC 9110 §11.6.1:
 * `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`, challenges comma-separated),
 * throwing a `SyntaxError` on anything that is not that grammar.
 *
 * @example
 * ```ts
 * parseChallenges('Bearer realm="api", error="invalid_token"');
 * // [{ scheme: "Bearer", params: { realm: "api", error: "invalid_token" } }]
 * ```
 */
export function parseChallenges(field: string): Challenge[] {
  const reader = new Reader(field);
  const challenges: Challenge[] = [];
  reader.skipCommas();
  while (!reader.done) {
    const scheme = reader.token();
    if (reader.spaces() === 0 || reader.done || reader.peek() === ",") {
      challenges.push({ scheme, params: {} });
    } else if (reader.atParam()) {
      challenges.push({ scheme, params: params(reader) });
    } else {
      challenges.push({ scheme, params: {}, token68: reader.token68() });
    }
    reader.spaces();
    if (!reader.done) reader.expect(",");
    reader.skipCommas();
  }
  return challenges;
}

/** The one challenge of a field that must hold exactly one; throws otherwise. */
export function parseChallenge(field: string): Challenge {
  const challenges = parseChallenges(field);
  if (challenges.length !== 1)
    throw new SyntaxError(`expected one challenge, got ${challenges.length} in ${field}`);
  return challenges[0] as Challenge;
}
