import { parseChallenge } from "@keyguard/test-support/challenge";
import { describe, expect, it } from "vitest";
import { authorize, createGuard, type Deny, prepareRequest } from "../src/adapter";
import { type AnswerStyle, answerStyleOf } from "../src/decision/answer-style";
import { createIssuer, fromExtraction, fromResult } from "../src/decision/decision";
import { DEFAULT_KEY_SOURCES } from "../src/extract/extract-key";
import { presentationOf } from "../src/extract/key-presentation";
import { type KeyContext, KeyguardConfigError, type VerifyResult } from "../src/index";
import type { PermissionQuery } from "../src/permissions/permission-query";
import { scopeOf } from "../src/permissions/permission-scope";
import { ROOT_KEY } from "./fake-unkey";

const styleWith = (options: Parameters<typeof answerStyleOf>[1]): AnswerStyle =>
  answerStyleOf(presentationOf(DEFAULT_KEY_SOURCES), options);

const valid: VerifyResult = {
  valid: true,
  code: "VALID",
  keyId: "key_1",
  roles: [],
  permissions: ["docs.read"],
  source: "upstream",
};

/** A context as the guard with this style lets it in (what requirePermissions() receives). */
function contextOf(style: AnswerStyle): KeyContext {
  const decision = fromResult(valid, style, 0, createIssuer("unkey()", style));
  if (!decision.allowed || decision.context === undefined) throw new Error("not allowed");
  return decision.context;
}

function refused(decision: ReturnType<typeof authorize>): Deny {
  expect(decision.allowed).toBe(false);
  return decision as Deny;
}

const challengeOf = (decision: Deny) =>
  parseChallenge(decision.headers["www-authenticate"] as string);

describe("RFC 6750 §3 challenges: a realm on every one, errors where a key was presented", () => {
  it("a missing key: the realm alone, no error (§3.1)", () => {
    const challenge = challengeOf(fromExtraction({ ok: false, code: "MISSING_KEY" }));
    expect(challenge).toEqual({ scheme: "Bearer", params: { realm: "api" } });
  });

  it("a credential of another scheme only (`Basic …`): no error either (§3.1, an unsupported method)", () => {
    const decision = fromExtraction({ ok: false, code: "MALFORMED_KEY", otherScheme: true });
    expect(decision.status).toBe(401);
    expect(challengeOf(decision).params).toEqual({ realm: "api" });
  });

  it("a key presented twice: 400 invalid_request (§3.1: SHOULD be 400)", () => {
    const decision = fromExtraction({ ok: false, code: "DUPLICATE_KEY" });
    expect(decision.status).toBe(400);
    expect(challengeOf(decision).params).toEqual({ realm: "api", error: "invalid_request" });
  });

  it.each(["NOT_FOUND", "EXPIRED", "DISABLED"] as const)("%s: 401 invalid_token", (code) => {
    const decision = refused(fromResult({ ...valid, valid: false, code }, styleWith({})));
    expect(decision.status).toBe(401);
    expect(challengeOf(decision).params).toEqual({ realm: "api", error: "invalid_token" });
  });

  it("FORBIDDEN (Unkey's IP allow-list) is no matter of scope: 403 with no challenge", () => {
    const decision = refused(fromResult({ ...valid, valid: false, code: "FORBIDDEN" }));
    expect(decision.headers["www-authenticate"]).toBeUndefined();
  });

  it("the realm option names every challenge; a guard with it challenges with it", async () => {
    const guard = createGuard({ rootKey: ROOT_KEY, realm: "docs API v2" });
    const decision = refused(await guard.check({ headers: {} }));
    expect(challengeOf(decision).params).toEqual({ realm: "docs API v2" });
  });

  it.each([
    ['a "quoted" realm', /character 3 is "\\""/],
    ["back\\slash", /character 5 is "\\\\"/],
    ["caf\u00e9", /character 4/],
    ["", /1 to 256 characters/],
    [42, /got number/],
  ])("realm %j is refused at start-up, naming `realm`", (realm, message) => {
    expect(() => createGuard({ rootKey: ROOT_KEY, realm: realm as string })).toThrow(
      KeyguardConfigError,
    );
    expect(() => createGuard({ rootKey: ROOT_KEY, realm: realm as string })).toThrow(message);
    try {
      createGuard({ rootKey: ROOT_KEY, realm: realm as string });
    } catch (error) {
      expect((error as KeyguardConfigError).option).toBe("realm");
    }
  });

  it("exposeMissingPermissions must be a boolean", () => {
    expect(() =>
      createGuard({ rootKey: ROOT_KEY, exposeMissingPermissions: "yes" as unknown as boolean }),
    ).toThrow(/exposeMissingPermissions/);
  });
});

describe("403 insufficient_scope: the scope is the permissions the route's query names", () => {
  const route = prepareRequest({ permissions: "(docs.read AND docs.write) OR admin" });

  it("requirePermissions() challenges with the realm of the guard that let the key in", () => {
    const context = contextOf(styleWith({ realm: "docs" }));
    const decision = refused(authorize(context, route));
    expect(decision.status).toBe(403);
    expect(challengeOf(decision)).toEqual({
      scheme: "Bearer",
      params: { realm: "docs", error: "insufficient_scope", scope: "docs.read docs.write admin" },
    });
  });

  it("the body lists nothing the key lacks by default", () => {
    const decision = refused(authorize(contextOf(styleWith({})), route));
    expect(decision.body.missingPermissions).toBeUndefined();
  });

  it("exposeMissingPermissions: the body lists what the key lacks of the query", () => {
    const context = contextOf(styleWith({ exposeMissingPermissions: true }));
    const decision = refused(authorize(context, route));
    expect(decision.body.missingPermissions).toEqual(["docs.write", "admin"]);
  });

  it("Unkey's own INSUFFICIENT_PERMISSIONS answer gets the route's scope too", () => {
    const answer: VerifyResult = { ...valid, valid: false, code: "INSUFFICIENT_PERMISSIONS" };
    const decision = refused(
      fromResult(answer, styleWith({}), 0, undefined, route.query as PermissionQuery),
    );
    expect(challengeOf(decision).params.scope).toBe("docs.read docs.write admin");
  });

  it("a name no scope-token can hold is left out of the scope (RFC 6749 §3.3), the rest kept", () => {
    const query: PermissionQuery = {
      type: "or",
      operands: [
        { type: "permission", name: 'say "hi"' },
        { type: "permission", name: "admin" },
        { type: "permission", name: "admin" },
      ],
    };
    expect(scopeOf(query)).toBe("admin");
    expect(scopeOf({ type: "permission", name: "a b" })).toBeUndefined();
  });
});
