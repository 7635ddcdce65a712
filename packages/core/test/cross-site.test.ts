import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuard, type Decision, type GuardOptions } from "../src/adapter";
import { cookieGateOf, extractGated, isCrossSite, isSafeMethod } from "../src/extract/cross-site";
import type { KeySource } from "../src/extract/extract-key";
import type { HeadersLike } from "../src/types";
import { configError } from "./config-error";

// A cookie key on an unsafe method is taken only from this site's own pages (CSRF).

const HOST = "api.example.com";
const EVIL = "https://evil.example";

describe("isSafeMethod (RFC 9110 §9.2.1)", () => {
  it("GET, HEAD and OPTIONS are safe; everything else, a lower-case name or none is not", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) expect(isSafeMethod(method)).toBe(true);
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "get", "post", "TRACE", undefined])
      expect(isSafeMethod(method), String(method)).toBe(false);
  });
});

describe("isCrossSite", () => {
  const site = (headers: HeadersLike, url?: string) => isCrossSite({ headers, url });

  it("Sec-Fetch-Site decides when present: same-origin and none are this site, the rest are not", () => {
    expect(site({ host: HOST, "sec-fetch-site": "same-origin" })).toBe(false);
    expect(site({ host: HOST, "sec-fetch-site": "none" })).toBe(false);
    expect(site({ host: HOST, "sec-fetch-site": "same-site" })).toBe(true);
    expect(site({ host: HOST, "sec-fetch-site": "cross-site" })).toBe(true);
    expect(site({ host: HOST, "sec-fetch-site": "" })).toBe(true);
    expect(site({ host: HOST, "sec-fetch-site": ["same-origin", "same-origin"] })).toBe(true);
    // The header wins over Origin: a browser that sends it is the better witness.
    expect(site({ host: HOST, "sec-fetch-site": "cross-site", origin: `https://${HOST}` })).toBe(
      true,
    );
    expect(site(new Headers({ host: HOST, "sec-fetch-site": "same-origin" }))).toBe(false);
    expect(site(new Headers({ host: HOST, "sec-fetch-site": "cross-site" }))).toBe(true);
  });

  it("without it, Origin is compared with the host the request was sent to", () => {
    expect(site({ host: HOST, origin: `https://${HOST}` })).toBe(false);
    expect(site({ host: "API.Example.com", origin: `https://${HOST}` })).toBe(false);
    // A Host may spell out the default port the serialized origin leaves out.
    expect(site({ host: `${HOST}:443`, origin: `https://${HOST}` })).toBe(false);
    expect(site({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" })).toBe(false);
    expect(site({ host: "[::1]:3000", origin: "http://[::1]:3000" })).toBe(false);
    // The scheme is not compared: behind a TLS-terminating proxy the server cannot tell its own.
    expect(site({ host: HOST, origin: `http://${HOST}` })).toBe(false);

    expect(site({ host: HOST, origin: EVIL })).toBe(true);
    expect(site({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3001" })).toBe(true);
    expect(site({ host: HOST, origin: `https://${HOST}.evil.example` })).toBe(true);
    expect(site({ host: HOST, origin: "null" })).toBe(true);
    expect(site({ host: HOST, origin: `https://${HOST}/path` })).toBe(true);
    expect(site({ host: HOST, origin: [`https://${HOST}`, EVIL] })).toBe(true);
    expect(site({ host: `${HOST}/x`, origin: `https://${HOST}` })).toBe(true);
    expect(site(new Headers({ host: HOST, origin: EVIL }))).toBe(true);
  });

  it("reads the host from HTTP/2's :authority, else an absolute URL; none known is cross-site", () => {
    expect(site({ ":authority": HOST, origin: `https://${HOST}` })).toBe(false);
    expect(site({ origin: `https://${HOST}` }, `https://${HOST}/docs`)).toBe(false);
    expect(site({ origin: EVIL }, `https://${HOST}/docs`)).toBe(true);
    expect(site({ origin: `https://${HOST}` }, "/docs")).toBe(true);
  });

  it("a request with neither header comes from no browser: not cross-site", () => {
    expect(site({ host: HOST })).toBe(false);
    expect(site({})).toBe(false);
  });
});

describe("extractGated", () => {
  const COOKIE: KeySource = { cookie: "k" };
  const BEARER: KeySource = { header: "authorization", scheme: "Bearer" };
  const gate = (...sources: KeySource[]) => {
    const made = cookieGateOf(sources);
    if (made === undefined) throw new Error("no cookie source");
    return made;
  };
  const CROSS = { host: HOST, "sec-fetch-site": "cross-site", origin: EVIL };
  const REFUSED = { ok: false, code: "CROSS_SITE_REQUEST" };

  it("refuses a cookie key on every unsafe method from another site, takes it on safe ones", () => {
    const cookieOnly = gate(COOKIE);
    const headers = { ...CROSS, cookie: "k=sk_1" };
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "post", undefined])
      expect(extractGated({ method, headers }, cookieOnly), String(method)).toEqual(REFUSED);
    for (const method of ["GET", "HEAD", "OPTIONS"])
      expect(extractGated({ method, headers }, cookieOnly)).toEqual({ ok: true, key: "sk_1" });
    const sameOrigin = { host: HOST, "sec-fetch-site": "same-origin", cookie: "k=sk_1" };
    expect(extractGated({ method: "POST", headers: sameOrigin }, cookieOnly)).toEqual({
      ok: true,
      key: "sk_1",
    });
  });

  it("uses a header key on a cross-site request, even behind a cookie source listed first", () => {
    const cookieFirst = gate(COOKIE, BEARER);
    const post = (extra: Record<string, string>) =>
      extractGated({ method: "POST", headers: { ...CROSS, ...extra } }, cookieFirst);
    expect(post({ cookie: "k=sk_cookie", authorization: "Bearer sk_header" })).toEqual({
      ok: true,
      key: "sk_header",
    });
    expect(post({ authorization: "Bearer sk_header" })).toEqual({ ok: true, key: "sk_header" });
    expect(post({ cookie: "k=sk_cookie" })).toEqual(REFUSED);
    // The cookie is the reason even beside an unusable header; without a cookie, the header is.
    expect(post({ cookie: "k=sk_cookie", authorization: "Basic abc" })).toEqual(REFUSED);
    expect(post({ authorization: "Bearer" })).toEqual({ ok: false, code: "MALFORMED_KEY" });
    expect(post({})).toEqual({ ok: false, code: "MISSING_KEY" });
  });

  it("refuses a malformed cookie (cookie tossing) on a cross-site request as cross-site", () => {
    const headers = { ...CROSS, cookie: "k=sk_a; k=sk_b" };
    expect(extractGated({ method: "POST", headers }, gate(COOKIE))).toEqual(REFUSED);
  });

  it("reads a cookie only for the origins that cookie source trusts", () => {
    const twoCookies = gate(
      { cookie: "a", trustedOrigins: ["https://a.example"] },
      { cookie: "b", trustedOrigins: ["https://b.example"] },
    );
    const post = (origin: string, cookie: string) =>
      extractGated(
        { method: "POST", headers: { host: HOST, "sec-fetch-site": "cross-site", origin, cookie } },
        twoCookies,
      );
    expect(post("https://a.example", "a=sk_a; b=sk_b")).toEqual({ ok: true, key: "sk_a" });
    expect(post("https://b.example", "a=sk_a; b=sk_b")).toEqual({ ok: true, key: "sk_b" });
    expect(post("https://a.example", "b=sk_b")).toEqual(REFUSED);
    expect(post("https://A.example", "a=sk_a")).toEqual(REFUSED);
    expect(post(EVIL, "a=sk_a")).toEqual(REFUSED);
  });

  it("a guard without cookie sources has no gate", () => {
    expect(cookieGateOf([BEARER, { query: "api_key" }])).toBeUndefined();
  });
});

describe("keySources[i].trustedOrigins at start-up", () => {
  const guardWith = (keySources: unknown) => () =>
    createGuard({ rootKey: "unkey_root", keySources } as GuardOptions);

  it("takes origins as browsers send them, and marks the guard as reading the method", () => {
    const guard = guardWith([
      { header: "x-api-key" },
      { cookie: "k", trustedOrigins: ["https://app.example.com", "http://localhost:3000"] },
    ])();
    expect(guard.sources[1]).toEqual({
      cookie: "k",
      trustedOrigins: ["https://app.example.com", "http://localhost:3000"],
    });
    expect(Object.isFrozen(guard.sources[1])).toBe(true);
    expect(guard.readsMethod).toBe(true);
    expect(guardWith([{ cookie: "k" }])().readsMethod).toBe(true);
    expect(guardWith([{ header: "x-api-key" }, { query: "k" }])().readsMethod).toBe(false);
    expect(createGuard({ rootKey: "unkey_root" }).readsMethod).toBe(false);
  });

  it("refuses a list that is not one, naming it", () => {
    const error = configError(guardWith([{ cookie: "k", trustedOrigins: "https://a.example" }]));
    expect(error.option).toBe("keySources[0].trustedOrigins");
    expect(error.message).toContain("expected an array of origins");
  });

  it("refuses an origin browsers never send, naming the entry and the origin it meant", () => {
    const cases: [unknown, RegExp][] = [
      ["https://app.example.com/", /"https:\/\/app\.example\.com"/],
      ["https://App.Example.com", /"https:\/\/app\.example\.com"/],
      ["https://app.example.com:443", /"https:\/\/app\.example\.com"/],
      ["app.example.com", /http\(s\) origin/],
      ["null", /http\(s\) origin/],
      ["*", /http\(s\) origin/],
      ["chrome-extension://abcdef", /http\(s\) origin/],
      [42, /http\(s\) origin/],
    ];
    for (const [origin, message] of cases) {
      const error = configError(
        guardWith([{ cookie: "k", trustedOrigins: ["https://ok.example", origin] }]),
      );
      expect(error.option, String(origin)).toBe("keySources[0].trustedOrigins[1]");
      expect(error.message, String(origin)).toMatch(message);
    }
  });

  it("refuses it on a header or query source, and a misspelling of it", () => {
    const origins = ["https://app.example.com"];
    for (const source of [{ header: "x-api-key" }, { query: "api_key" }]) {
      const error = configError(
        guardWith([{ cookie: "k" }, { ...source, trustedOrigins: origins }]),
      );
      expect(error.option).toBe("keySources[1].trustedOrigins");
      expect(error.message).toContain("only a cookie source takes it");
    }
    const typo = configError(guardWith([{ cookie: "k", trustedOrigin: origins }]));
    expect(typo.option).toBe("keySources[0].trustedOrigin");
    expect(typo.message).toContain("did you mean `keySources[0].trustedOrigins`");
  });

  it("refuses a source naming two kinds, which was read as the first and the second ignored", () => {
    expect(configError(guardWith([{ query: "k", cookie: "k" }])).option).toBe(
      "keySources[0].cookie",
    );
  });
});

describe("a guard with a cookie source, against the emulator", () => {
  let emulator: Emulator;
  let key: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "csrf" });
    ({ key } = await emulator.call<{ key: string }>("keys.createKey", { apiId }));
  });
  afterAll(() => emulator?.stop());

  const verifyCalls = () => emulator.stats().calls["keys.verifyKey"] ?? 0;
  const guardOf = (options: Partial<GuardOptions> = {}) =>
    createGuard({
      rootKey: emulator.rootKey,
      baseUrl: emulator.url,
      keySources: [{ cookie: "api_key" }],
      ...options,
    });

  it("refuses a cross-site POST with 403 CROSS_SITE_REQUEST before any upstream call", async () => {
    const guard = guardOf();
    emulator.resetStats();
    const headers = { host: HOST, cookie: `api_key=${key}`, "sec-fetch-site": "cross-site" };
    const refused = (await guard.check({ method: "POST", headers })) as Decision;
    expect(refused).toMatchObject({
      allowed: false,
      status: 403,
      code: "CROSS_SITE_REQUEST",
      body: { status: 403, code: "CROSS_SITE_REQUEST", title: "Forbidden" },
    });
    expect(refused.allowed || refused.body.detail).toContain("cookie on a cross-site request");
    expect(refused.headers).not.toHaveProperty("www-authenticate");
    expect(JSON.stringify(refused)).not.toContain(key);
    expect(verifyCalls()).toBe(0);

    const allowed = await guard.check({
      method: "POST",
      headers: { ...headers, "sec-fetch-site": "same-origin" },
    });
    expect(allowed).toMatchObject({ allowed: true, context: { source: "upstream" } });
    expect(verifyCalls()).toBe(1);
    // Cached now: still refused cross-site, still no call.
    expect(guard.check({ method: "DELETE", headers })).toMatchObject({
      code: "CROSS_SITE_REQUEST",
    });
    expect(verifyCalls()).toBe(1);
  });

  it("counts a request whose adapter gave no method as unsafe", async () => {
    const guard = guardOf();
    const headers = { host: HOST, cookie: `api_key=${key}`, "sec-fetch-site": "cross-site" };
    expect(await guard.check({ headers })).toMatchObject({ code: "CROSS_SITE_REQUEST" });
    expect(await guard.check({ method: "GET", headers })).toMatchObject({ allowed: true });
  });

  it("leaves a key from getKey to the hook: it may come from anywhere", async () => {
    const guard = guardOf();
    const headers = { host: HOST, "sec-fetch-site": "cross-site" };
    expect(await guard.check({ method: "POST", headers, key })).toMatchObject({ allowed: true });
  });
});
