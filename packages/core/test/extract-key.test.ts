import { describe, expect, it } from "vitest";
import { extractKey, type KeyExtraction, type KeySource } from "../src/extract/extract-key";

const ok = (key: string): KeyExtraction => ({ ok: true, key });
const MISSING: KeyExtraction = { ok: false, code: "MISSING_KEY" };
const MALFORMED: KeyExtraction = { ok: false, code: "MALFORMED_KEY" };
// RFC 6750 §3.1: a credential of another scheme only is no credential of this one.
const OTHER_SCHEME: KeyExtraction = { ok: false, code: "MALFORMED_KEY", otherScheme: true };
// RFC 6750 §3.1 `invalid_request` ("repeats the same parameter"): the key presented twice.
const DUPLICATE: KeyExtraction = { ok: false, code: "DUPLICATE_KEY" };

// Cases that read the same through WHATWG Headers and a Node-style record.
const both: [string, Record<string, string>, KeyExtraction][] = [
  ["Bearer", { authorization: "Bearer sk_1" }, ok("sk_1")],
  ["bearer (lower case)", { authorization: "bearer sk_1" }, ok("sk_1")],
  ["BEARER (upper case)", { authorization: "BEARER sk_1" }, ok("sk_1")],
  ["several spaces after the scheme", { authorization: "Bearer    sk_1" }, ok("sk_1")],
  ["Bearer alone", { authorization: "Bearer" }, MALFORMED],
  ["Bearer with only spaces after it", { authorization: "Bearer   x" }, ok("x")],
  ["Basic alone", { authorization: "Basic dXNlcjpwYXNz" }, OTHER_SCHEME],
  [
    "Basic plus X-API-Key",
    { authorization: "Basic dXNlcjpwYXNz", "x-api-key": "sk_2" },
    ok("sk_2"),
  ],
  ["Bearer wins over X-API-Key", { authorization: "Bearer sk_1", "x-api-key": "sk_2" }, ok("sk_1")],
  ["X-API-Key alone", { "x-api-key": "sk_2" }, ok("sk_2")],
  ["no key at all", {}, MISSING],
  ["empty Authorization", { authorization: "" }, MISSING],
  ["Bearer without a space (BearerX)", { authorization: "Bearersk_1" }, OTHER_SCHEME],
  ["comma-joined duplicates", { authorization: "Bearer sk_1, Bearer sk_2" }, DUPLICATE],
  // Unkey takes any key of 1 to 512 characters; a header refuses only what it cannot carry.
  ["comma in an X-API-Key (a migrated key)", { "x-api-key": "sk_1,sk_2" }, ok("sk_1,sk_2")],
  ["inner space in an X-API-Key", { "x-api-key": "legacy key 1" }, ok("legacy key 1")],
  ["comma-joined duplicates of X-API-Key", { "x-api-key": "sk_1, sk_2" }, DUPLICATE],
  ["comma after Bearer (a list of credentials)", { authorization: "Bearer sk_1,sk_2" }, DUPLICATE],
  ["space inside the key", { authorization: "Bearer sk 1" }, MALFORMED],
  ["tab inside the key", { "x-api-key": "sk\t1" }, MALFORMED],
  ["non-ASCII (Latin-1) key", { "x-api-key": "sk_\u00e9" }, MALFORMED],
  ["control character", { "x-api-key": "sk_\u0001" }, MALFORMED],
  ["DEL character", { "x-api-key": "sk_\u007f" }, MALFORMED],
  ["512 characters", { authorization: `Bearer ${"k".repeat(512)}` }, ok("k".repeat(512))],
  ["513 characters", { authorization: `Bearer ${"k".repeat(513)}` }, MALFORMED],
  ["513 characters in X-API-Key", { "x-api-key": "k".repeat(513) }, MALFORMED],
];

describe("extractKey", () => {
  describe.each([
    ["Headers", (h: Record<string, string>) => new Headers(h)],
    ["Node record", (h: Record<string, string>) => ({ ...h })],
  ])("over %s", (_kind, make) => {
    it.each(both)("%s", (_name, headers, expected) => {
      expect(extractKey({ headers: make(headers) })).toEqual(expected);
    });
  });

  it("reads mixed-case header names from Headers", () => {
    expect(extractKey({ headers: new Headers({ Authorization: "Bearer sk_1" }) })).toEqual(
      ok("sk_1"),
    );
    expect(extractKey({ headers: new Headers({ "X-Api-Key": "sk_2" }) })).toEqual(ok("sk_2"));
  });

  it("refuses comma-joined duplicates from Headers.append", () => {
    const headers = new Headers();
    headers.append("authorization", "Bearer sk_1");
    headers.append("authorization", "Bearer sk_2");
    expect(extractKey({ headers })).toEqual(DUPLICATE);
  });

  it("refuses a duplicated header given as an array (Node record)", () => {
    expect(extractKey({ headers: { authorization: ["Bearer sk_1", "Bearer sk_2"] } })).toEqual(
      DUPLICATE,
    );
    expect(extractKey({ headers: { "x-api-key": ["sk_1", "sk_1"] } })).toEqual(DUPLICATE);
  });

  it("refuses two Authorization headers seen in rawHeaders even though headers shows one", () => {
    const rawHeaders = ["Authorization", "Bearer sk_1", "authorization", "Bearer sk_2"];
    expect(extractKey({ headers: { authorization: "Bearer sk_1" }, rawHeaders })).toEqual(
      DUPLICATE,
    );
    expect(
      extractKey({
        headers: { authorization: "Bearer sk_1" },
        rawHeaders: ["Authorization", "Bearer sk_1", "Host", "x"],
      }),
    ).toEqual(ok("sk_1"));
  });

  it("refuses a non-ASCII (CJK) key from a Node record", () => {
    expect(extractKey({ headers: { "x-api-key": "sk_日本" } })).toEqual(MALFORMED);
  });

  it("treats a scheme followed by spaces only as malformed, like Headers (which trims)", () => {
    expect(extractKey({ headers: { authorization: "Bearer " } })).toEqual(MALFORMED);
    expect(extractKey({ headers: { authorization: "Bearer    " } })).toEqual(MALFORMED);
    expect(extractKey({ headers: new Headers({ authorization: "Bearer " }) })).toEqual(MALFORMED);
  });

  it("never resolves inherited properties for header names like __proto__ or constructor", () => {
    const sources: KeySource[] = [{ header: "constructor" }, { header: "__proto__" }];
    expect(extractKey({ headers: {} }, sources)).toEqual(MISSING);
    expect(extractKey({ headers: { toString: undefined } }, [{ header: "tostring" }])).toEqual(
      MISSING,
    );
    expect(extractKey({ headers: {} }, [{ header: "hasOwnProperty" }])).toEqual(MISSING);
    // An own property of that name is a real header.
    const own = JSON.parse('{"__proto__": "sk_own"}') as Record<string, string>;
    expect(extractKey({ headers: own }, [{ header: "__proto__" }])).toEqual(ok("sk_own"));
  });

  it("reads a custom header and scheme", () => {
    const sources: KeySource[] = [{ header: "x-token", scheme: "Token" }];
    expect(extractKey({ headers: { "x-token": "token sk_t" } }, sources)).toEqual(ok("sk_t"));
    expect(extractKey({ headers: { authorization: "Bearer sk_1" } }, sources)).toEqual(MISSING);
  });

  describe("query and cookie sources", () => {
    const request = {
      headers: { cookie: "theme=dark; api_key=sk_c" },
      url: "/items?api_key=sk_q&x=1",
    };

    it("are ignored unless configured", () => {
      expect(extractKey(request)).toEqual(MISSING);
    });

    it("read the query parameter when configured", () => {
      expect(extractKey(request, [{ query: "api_key" }])).toEqual(ok("sk_q"));
      expect(extractKey({ headers: {}, url: "/items" }, [{ query: "api_key" }])).toEqual(MISSING);
      expect(
        extractKey({ headers: {}, url: "/items?api_key=a&api_key=b" }, [{ query: "api_key" }]),
      ).toEqual(DUPLICATE);
    });

    it("read the cookie when configured", () => {
      expect(extractKey(request, [{ cookie: "api_key" }])).toEqual(ok("sk_c"));
      expect(
        extractKey({ headers: new Headers({ cookie: "api_key=sk_c2" }) }, [{ cookie: "api_key" }]),
      ).toEqual(ok("sk_c2"));
      expect(extractKey({ headers: { cookie: "other=1" } }, [{ cookie: "api_key" }])).toEqual(
        MISSING,
      );
    });

    it("honour the configured order", () => {
      const sources: KeySource[] = [{ header: "authorization", scheme: "Bearer" }, { query: "k" }];
      expect(extractKey({ headers: {}, url: "/?k=sk_q" }, sources)).toEqual(ok("sk_q"));
      expect(
        extractKey({ headers: { authorization: "Bearer sk_h" }, url: "/?k=sk_q" }, sources),
      ).toEqual(ok("sk_h"));
    });
  });
});
