import { extractKey } from "@keyguard/core/adapter";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../conformance/harness";
import { type RawResponse, send } from "../conformance/http";
import { HARNESS_ROWS, HARNESSES, verifyCalls } from "./adapters";
import { keepAliveClient, pool, sendRawSocket } from "./client";
import { recordFigures } from "./results";
import {
  captureOutput,
  checkResponse,
  leaks,
  observeError,
  secretFigures,
  trackKey,
} from "./secrets";

type Header = readonly [string, string];

/** One hand-picked request. `code` undefined: the HTTP parser may refuse it first (no code to expect). */
interface Case {
  readonly name: string;
  readonly path?: string;
  /** Sent with node:http, raw-header array form (duplicates really go out). */
  readonly headers?: readonly Header[];
  /** Sent byte for byte over a socket: values node:http refuses to send. */
  readonly rawLines?: readonly string[];
  /** The code expected in the problem+json body. */
  readonly code?: "MISSING_KEY" | "MALFORMED_KEY" | "DUPLICATE_KEY" | "NOT_FOUND";
  /** Refusable without asking Unkey. */
  readonly local: boolean;
}

let serial = 0;
/** A plausible, unknown key: Unkey answers NOT_FOUND. */
const unknown = () => `sk_reliability_unknown_${String(++serial).padStart(4, "0")}_x9Qz`;
const K = unknown();
const K2 = unknown();
const missing = (name: string, headers: readonly Header[], path?: string): Case => ({
  name,
  headers,
  code: "MISSING_KEY",
  local: true,
  ...(path ? { path } : {}),
});
const malformed = (name: string, headers: readonly Header[]): Case => ({
  name,
  headers,
  code: "MALFORMED_KEY",
  local: true,
});
// RFC 6750 §3.1 invalid_request: the key presented more than once, or a list of them.
const duplicate = (name: string, headers: readonly Header[]): Case => ({
  name,
  headers,
  code: "DUPLICATE_KEY",
  local: true,
});
const upstream = (name: string, headers: readonly Header[], path?: string): Case => ({
  name,
  headers,
  code: "NOT_FOUND",
  local: false,
  ...(path ? { path } : {}),
});

const CASES: readonly Case[] = [
  missing("no header at all", []),
  missing("empty Authorization", [["authorization", ""]]),
  missing("empty X-API-Key", [["x-api-key", ""]]),
  malformed("scheme only", [["authorization", "Bearer"]]),
  malformed("scheme and a trailing space (trimmed by the parser)", [["authorization", "Bearer "]]),
  malformed("scheme and spaces only", [["authorization", "Bearer    "]]),
  upstream("lower-case scheme (schemes are case-insensitive)", [
    ["authorization", `bearer ${unknown()}`],
  ]),
  upstream("upper-case scheme", [["authorization", `BEARER ${unknown()}`]]),
  malformed("Basic scheme", [["authorization", "Basic dXNlcjpwYXNzd29yZA=="]]),
  malformed("Token scheme", [["authorization", `Token ${K}`]]),
  malformed("Digest with a comma list", [["authorization", 'Digest username="a", realm="b"']]),
  malformed("key without scheme in Authorization", [["authorization", K]]),
  malformed("scheme glued to the key", [["authorization", `Bearer${K}`]]),
  malformed("percent-encoded space after the scheme", [["authorization", `Bearer%20${K}`]]),
  malformed("tab instead of space after the scheme", [["authorization", `Bearer\t${K}`]]),
  upstream("two spaces after the scheme", [["authorization", `Bearer  ${unknown()}`]]),
  upstream("leading spaces (trimmed by the parser)", [["authorization", `   Bearer ${unknown()}`]]),
  upstream("trailing tab (trimmed by the parser)", [["authorization", `Bearer ${unknown()}\t`]]),
  malformed("two words after the scheme", [["authorization", `Bearer ${K} extra`]]),
  malformed("scheme twice", [["authorization", `Bearer Bearer ${K}`]]),
  duplicate("comma before the key", [["authorization", `Bearer ,${K}`]]),
  duplicate("comma list in Authorization", [["authorization", `Bearer ${K}, Bearer ${K2}`]]),
  duplicate("comma inside the key", [["authorization", "Bearer sk_a,sk_b"]]),
  upstream("X-API-Key alone", [["x-api-key", unknown()]]),
  upstream("X-API-KEY upper-case header name", [["X-API-KEY", unknown()]]),
  upstream("X-API-Key with spaces around (trimmed by the parser)", [
    ["x-api-key", `  ${unknown()}  `],
  ]),
  // A header of its own carries any printable key (a migrated one may hold spaces or commas).
  upstream("X-API-Key with a scheme (taken as the key)", [["x-api-key", `Bearer ${unknown()}`]]),
  upstream("X-API-Key with an inner space", [["x-api-key", `${unknown()} ${unknown()}`]]),
  malformed("X-API-Key with an inner tab", [["x-api-key", "sk_a\tsk_b"]]),
  duplicate("X-API-Key comma list", [["x-api-key", `${K}, ${K2}`]]),
  upstream("X-API-Key comma without space", [["x-api-key", `${unknown()},${unknown()}`]]),
  duplicate("duplicate Authorization", [
    ["authorization", `Bearer ${K}`],
    ["authorization", `Bearer ${K2}`],
  ]),
  duplicate("duplicate Authorization, same value", [
    ["authorization", `Bearer ${K}`],
    ["authorization", `Bearer ${K}`],
  ]),
  duplicate("duplicate X-API-Key", [
    ["x-api-key", K],
    ["x-api-key", K2],
  ]),
  duplicate("duplicate X-API-Key, differently cased names", [
    ["x-api-key", K],
    ["X-Api-Key", K],
  ]),
  upstream("Authorization and X-API-Key: the first source decides", [
    ["authorization", `Bearer ${unknown()}`],
    ["x-api-key", K2],
  ]),
  upstream("Basic Authorization then X-API-Key: the key comes from X-API-Key", [
    ["authorization", "Basic dXNlcjpwYXNz"],
    ["x-api-key", unknown()],
  ]),
  upstream("512 characters (the limit)", [["x-api-key", `sk_${"a".repeat(509)}`]]),
  malformed("513 characters", [["x-api-key", `sk_${"b".repeat(510)}`]]),
  malformed("15,000 characters", [["x-api-key", `sk_${"c".repeat(14_997)}`]]),
  upstream("Bearer and 512 characters", [["authorization", `Bearer sk_${"d".repeat(509)}`]]),
  malformed("Bearer and 513 characters", [["authorization", `Bearer sk_${"e".repeat(510)}`]]),
  malformed("Bearer and 15,000 characters", [["authorization", `Bearer sk_${"f".repeat(14_997)}`]]),
  malformed("latin1 é in the key", [["x-api-key", "sk_caf\u00e9_key_value_1"]]),
  malformed("latin1 bytes 0xff 0xfe", [["x-api-key", "\u00ff\u00fesk_key_value_2"]]),
  malformed("no-break space before the key", [["x-api-key", "\u00a0sk_key_value_3"]]),
  malformed("latin1 in a Bearer key", [["authorization", "Bearer sk_\u00e9\u00e8\u00ea"]]),
  {
    name: "DEL (\\x7f) in X-API-Key (raw socket: node:http refuses to send it)",
    rawLines: ["x-api-key: sk_del\x7f_key_value"],
    local: true,
  },
  {
    name: "\\x01 in X-API-Key (raw socket: node:http refuses to send it)",
    rawLines: ["x-api-key: sk_ctl\x01_key_value"],
    local: true,
  },
  {
    name: "NUL in Authorization (raw socket: node:http refuses to send it)",
    rawLines: ["authorization: Bearer sk_nul\x00_key_value"],
    local: true,
  },
  {
    name: "vertical tab in X-API-Key (raw socket)",
    rawLines: ["x-api-key: sk_vt\x0b_key_value"],
    local: true,
  },
  upstream("__proto__ as the key", [["x-api-key", "__proto__"]]),
  upstream("constructor as the key", [["x-api-key", "constructor"]]),
  upstream("toString as the key", [["authorization", "Bearer toString"]]),
  upstream("Bearer __proto__", [["authorization", "Bearer __proto__"]]),
  missing("__proto__ as a header name", [["__proto__", `Bearer ${K}`]]),
  missing("constructor as a header name", [["constructor", K]]),
  missing("toString as a header name", [["toString", K]]),
  missing("hasOwnProperty as a header name", [["hasOwnProperty", K]]),
  upstream("__proto__ header next to a real X-API-Key", [
    ["__proto__", '{"polluted":true}'],
    ["x-api-key", unknown()],
  ]),
  upstream("JSON object as the key", [["x-api-key", '{"key":"sk_json_object_1"}']]),
  upstream("JSON object with a comma", [["x-api-key", '{"key":"a","admin":true}']]),
  upstream("JSON array as the key", [["x-api-key", '["sk_json_array_key"]']]),
  upstream("__proto__ JSON as the key", [["x-api-key", '{"__proto__":{"admin":1}}']]),
  upstream("percent-encoded key", [["x-api-key", "sk%5Fpercent%20encoded"]]),
  upstream("percent-encoded CRLF", [["x-api-key", "sk_crlf%0d%0aSet-Cookie:x=1"]]),
  upstream("HTML in the key", [["x-api-key", "<script>alert(1)</script>"]]),
  upstream("path traversal in the key", [["x-api-key", "../../etc/passwd"]]),
  upstream("SQL with spaces", [["x-api-key", "'; DROP TABLE keys;--"]]),
  upstream('"null" as the key', [["x-api-key", "null"]]),
  upstream('"undefined" as the key', [["x-api-key", "undefined"]]),
  missing("key only in the query string (not a default source)", [], `/protected?key=${K}`),
  missing("Authorization in the query string", [], `/protected?authorization=Bearer%20${K}`),
  upstream(
    "key in the header and another in the query: the header decides",
    [["x-api-key", unknown()]],
    `/protected?key=${K2}&api_key=${K2}`,
  ),
  upstream(
    "unknown key on a permission route",
    [["authorization", `Bearer ${unknown()}`]],
    "/read",
  ),
  upstream("unknown key on the metered route", [["x-api-key", unknown()]], "/metered"),
  malformed("malformed key on a permission route", [["authorization", "Bearer a b"]]),
  missing("no key on a permission route", [], "/grouped"),
];

const DENIAL_CODES = new Set(["MISSING_KEY", "MALFORMED_KEY", "DUPLICATE_KEY", "NOT_FOUND"]);
const GENERATED_PER_ADAPTER = 2_000;
const SEED = 20_251_101;

/** Characters node:http lets through in a header value: tab, 0x20-0x7e, 0x80-0xff. */
const headerChar = fc
  .oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  )
  .map((code) => String.fromCharCode(code));
const printable = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

/** Values spread over the interesting regions: garbage, near-plausible, boundary lengths, schemes. */
const generatedValue = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 64 }),
  fc.string({ unit: printable, minLength: 1, maxLength: 40 }),
  fc.string({ unit: printable, minLength: 505, maxLength: 520 }),
  fc.string({ unit: headerChar, minLength: 500, maxLength: 2_000 }),
  fc
    .tuple(
      fc.constantFrom("Bearer ", "bearer ", "Bearer  ", "Basic ", "Bearer\t", ""),
      fc.string({ unit: headerChar, maxLength: 48 }),
    )
    .map(([scheme, rest]) => scheme + rest),
  fc
    .constantFrom("__proto__", "constructor", "toString", "prototype", "valueOf", "hasOwnProperty")
    .chain((name) => fc.string({ unit: printable, maxLength: 8 }).map((rest) => name + rest)),
);
const generatedRequest = fc.record({
  header: fc.constantFrom("authorization", "x-api-key"),
  value: generatedValue,
});

/** What the server sees: the HTTP parser trims leading and trailing spaces and tabs (RFC 9110 §5.5). */
const asParsed = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");

interface AdapterFigures {
  cases: number;
  statuses: Record<string, number>;
  generated: number;
  generatedUpstream: number;
  generatedByCode: Record<string, number>;
  generatedMs: number;
}

const figures: Record<string, AdapterFigures> = {};
const statusByCase = new Map<string, Map<string, number>>();
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
let restoreOutput: () => void = () => {};

beforeAll(() => {
  restoreOutput = captureOutput();
});

afterAll(() => {
  restoreOutput();
  recordFigures("bad-input", {
    handPickedCases: CASES.length,
    generatedValues: Object.values(figures).reduce((sum, f) => sum + f.generated, 0),
    fastCheckSeed: SEED,
    perAdapter: figures,
    statusPerCase: Object.fromEntries(
      [...statusByCase].map(([name, byAdapter]) => [
        name,
        [...new Set(byAdapter.values())].join("/"),
      ]),
    ),
    secrets: secretFigures(),
  });
});

async function sendCase(app: RunningApp, item: Case): Promise<RawResponse> {
  const path = item.path ?? "/protected";
  if (item.rawLines) return sendRawSocket(app.url, path, item.rawLines);
  return send(app.url, "GET", path, item.headers ?? []);
}

function checkDenial(response: RawResponse, label: string, code: string | undefined): void {
  expect(response.status, label).toBeLessThan(500);
  expect(response.status, label).toBeGreaterThanOrEqual(400);
  // A 400 may also be the HTTP parser's own, before any guard: only keyguard's challenges.
  if (response.status === 401 || code === "DUPLICATE_KEY") {
    expect(response.headers["www-authenticate"], `${label}: WWW-Authenticate`).toMatch(/^Bearer/);
  }
  if (code !== undefined) {
    expect(response.status, label).toBe(code === "DUPLICATE_KEY" ? 400 : 401);
    expect(response.headers["content-type"], label).toMatch(/^application\/problem\+json/);
    expect((JSON.parse(response.text) as { code?: string }).code, label).toBe(code);
  }
}

describe.each(HARNESS_ROWS)("bad input: %s", (name, harness) => {
  let emulator: Emulator;
  let app: RunningApp;

  beforeAll(async () => {
    emulator = await startEmulator();
    trackKey(emulator.rootKey);
    // cache: false so that every value that reaches Unkey is counted exactly once; a deadline
    // no answer of the in-process emulator comes near, even on a saturated machine, so that a
    // status is never a 503 the guard's input handling did not cause.
    app = await harness.start({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      cache: false,
      timeoutMs: 10_000,
    });
    figures[name] = {
      cases: 0,
      statuses: {},
      generated: 0,
      generatedUpstream: 0,
      generatedByCode: {},
      generatedMs: 0,
    };
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it(`${CASES.length} hand-picked header and key values: no 5xx, no handler, local refusals never reach Unkey`, async () => {
    const own = figures[name] as AdapterFigures;
    for (const item of CASES) {
      for (const [, value] of item.headers ?? []) trackKey(asParsed(value));
      const before = verifyCalls(emulator);
      const handlersBefore = app.handlerCalls();
      let response: RawResponse;
      try {
        response = await sendCase(app, item);
      } catch (error) {
        observeError(error);
        throw error;
      }
      checkResponse(response, undefined);
      const label = `${name} / ${item.name} → ${response.status} ${response.text.slice(0, 200)}`;
      checkDenial(response, label, item.code);
      expect(app.handlerCalls() - handlersBefore, `${label}: handler calls`).toBe(0);
      expect(verifyCalls(emulator) - before, `${label}: upstream calls`).toBe(item.local ? 0 : 1);
      own.cases++;
      own.statuses[response.status] = (own.statuses[response.status] ?? 0) + 1;
      const byAdapter = statusByCase.get(item.name) ?? new Map<string, number>();
      byAdapter.set(name, response.status);
      statusByCase.set(item.name, byAdapter);
    }
  });

  it(`${GENERATED_PER_ADAPTER} generated values (fast-check, keep-alive, 16 in flight)`, async () => {
    const own = figures[name] as AdapterFigures;
    const index = HARNESSES.findIndex((h) => h.name === name);
    const samples = fc.sample(generatedRequest, {
      numRuns: GENERATED_PER_ADAPTER,
      seed: SEED + index,
    });
    const client = keepAliveClient(app.url, 16);
    const before = verifyCalls(emulator);
    const handlersBefore = app.handlerCalls();
    const started = performance.now();
    let plausible = 0;
    try {
      await pool(samples, 16, async ({ header, value }) => {
        const parsed = asParsed(value);
        const expected = extractKey({ headers: { [header]: parsed } });
        if (expected.ok) {
          plausible++;
          // Independent of the core: what is sent upstream is 1..512 printable ASCII; after
          // `Bearer`, one token (no space, no comma); in X-API-Key, no space at either end
          // and no ", " (how duplicates are joined).
          const carried =
            header === "authorization"
              ? /^[\x21-\x2b\x2d-\x7e]{1,512}$/
              : /^(?!.*, )(?=.{1,512}$)[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
          expect(expected.key, `${name}: ${JSON.stringify(value)}`).toMatch(carried);
        }
        trackKey(parsed);
        let response: RawResponse;
        try {
          response = await client.get("/protected", { [header]: value });
        } catch (error) {
          observeError(error);
          throw new Error(`${name}: ${header}: ${JSON.stringify(value)}: ${String(error)}`);
        }
        checkResponse(response, expected.ok ? expected.key : parsed, true);
        const label = `${name} / ${header}: ${JSON.stringify(value).slice(0, 120)} → ${response.status} ${response.text.slice(0, 160)}`;
        const code = expected.ok ? "NOT_FOUND" : expected.code;
        checkDenial(response, label, code);
        expect(DENIAL_CODES.has(code), label).toBe(true);
        own.generatedByCode[code] = (own.generatedByCode[code] ?? 0) + 1;
        own.generated++;
      });
    } finally {
      client.close();
    }
    own.generatedMs = Math.round(performance.now() - started);
    own.generatedUpstream = verifyCalls(emulator) - before;
    expect(app.handlerCalls() - handlersBefore, `${name}: handler calls`).toBe(0);
    // Exactly the plausible values reached Unkey; everything refusable locally did not.
    expect(own.generatedUpstream, `${name}: upstream calls`).toBe(plausible);
    // 2,000 requests: 2 to 3 s alone, 6 to 10 s beside other work; the project's 30 s is close.
  }, 120_000);
});

describe("across adapters", () => {
  it("every hand-picked case gets the same status from every adapter", () => {
    const differing = [...statusByCase]
      .filter(([, byAdapter]) => new Set(byAdapter.values()).size > 1)
      .map(
        ([caseName, byAdapter]) => `${caseName}: ${JSON.stringify(Object.fromEntries(byAdapter))}`,
      );
    expect(statusByCase.size).toBe(CASES.length);
    expect(differing).toEqual([]);
  });

  it("Object.prototype gained no own properties", () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("no tracked key appears in output, errors, or response bodies and headers", () => {
    expect(leaks()).toEqual([]);
  });
});
