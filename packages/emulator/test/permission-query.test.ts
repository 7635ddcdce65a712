// The emulator's own permission-query evaluator, pinned with cases transcribed
// from unkeyed/unkey pkg/rbac/*_test.go (never from @keyguard/core's parser).
import { describe, expect, it } from "vitest";
import { checkPermissionQuery } from "../src/permission-query-check";
import { tokenize } from "../src/permission-query-lexer";
import {
  and,
  or,
  PermissionQuerySyntaxError,
  parsePermissionQuery,
  permission as S,
} from "../src/permission-query-parser";

const toks = (input: string) => tokenize(input).map((t) => [t.type, t.value, t.pos]);

describe("lexer [pkg/rbac/lexer_test.go]", () => {
  it.each([
    ["", [["eof", "", 0]]],
    [
      "api.key1.read_key",
      [
        ["permission", "api.key1.read_key", 0],
        ["eof", "", 17],
      ],
    ],
    [
      "perm1 AND perm2",
      [
        ["permission", "perm1", 0],
        ["and", "AND", 6],
        ["permission", "perm2", 10],
        ["eof", "", 15],
      ],
    ],
    [
      "perm1 OR perm2",
      [
        ["permission", "perm1", 0],
        ["or", "OR", 6],
        ["permission", "perm2", 9],
        ["eof", "", 14],
      ],
    ],
    [
      "(perm1)",
      [
        ["lparen", "(", 0],
        ["permission", "perm1", 1],
        ["rparen", ")", 6],
        ["eof", "", 7],
      ],
    ],
    [
      "perm1 And perm2 Or perm3",
      [
        ["permission", "perm1", 0],
        ["and", "And", 6],
        ["permission", "perm2", 10],
        ["or", "Or", 16],
        ["permission", "perm3", 19],
        ["eof", "", 24],
      ],
    ],
    [
      "  perm1   AND   perm2  ",
      [
        ["permission", "perm1", 2],
        ["and", "AND", 10],
        ["permission", "perm2", 16],
        ["eof", "", 23],
      ],
    ],
    [
      "perm1 \t\n AND \r\n perm2",
      [
        ["permission", "perm1", 0],
        ["and", "AND", 9],
        ["permission", "perm2", 16],
        ["eof", "", 21],
      ],
    ],
    [
      "perm1(perm2)",
      [
        ["permission", "perm1", 0],
        ["lparen", "(", 5],
        ["permission", "perm2", 6],
        ["rparen", ")", 11],
        ["eof", "", 12],
      ],
    ],
    [
      "api123.key_456-test.read_key",
      [
        ["permission", "api123.key_456-test.read_key", 0],
        ["eof", "", 28],
      ],
    ],
    [
      "api/v1.read_key",
      [
        ["permission", "api/v1.read_key", 0],
        ["eof", "", 15],
      ],
    ],
    ["   \t\n  ", [["eof", "", 7]]],
    [
      "ANDperm ORperm",
      [
        ["permission", "ANDperm", 0],
        ["permission", "ORperm", 8],
        ["eof", "", 14],
      ],
    ],
    [
      "((perm1))",
      [
        ["lparen", "(", 0],
        ["lparen", "(", 1],
        ["permission", "perm1", 2],
        ["rparen", ")", 7],
        ["rparen", ")", 8],
        ["eof", "", 9],
      ],
    ],
  ])("%j", (input, expected) => {
    expect(toks(input)).toEqual(expected);
  });

  it.each([
    ["perm1 @ perm2", "invalid character '@' at position 6"],
    ["api.key1.read@key", "invalid character '@' at position 13"],
    ["api.key1$ AND perm2", "invalid character '$' at position 8"],
    ["perm1 # perm2", "invalid character '#' at position 6"],
    ["perm1 % perm2", "invalid character '%' at position 6"],
  ])("%j is an error token: %s", (input, message) => {
    const last = tokenize(input).at(-1);
    expect(last?.type).toBe("error");
    expect(last?.value).toContain(message);
  });
});

describe("parser [pkg/rbac/parse_test.go]", () => {
  it.each([
    ["api.key1.read_key", S("api.key1.read_key")],
    ["perm1 AND perm2", and(S("perm1"), S("perm2"))],
    ["perm1 OR perm2", or(S("perm1"), S("perm2"))],
    ["perm1 OR perm2 AND perm3", or(S("perm1"), and(S("perm2"), S("perm3")))],
    ["(perm1 OR perm2) AND perm3", and(or(S("perm1"), S("perm2")), S("perm3"))],
    ["api.*", S("api.*")],
    ["api.* OR api.read", or(S("api.*"), S("api.read"))],
    ["api.*.*.read", S("api.*.*.read")],
    ["system:admin:read", S("system:admin:read")],
    ["system:admin.* AND api_v2-test:*", and(S("system:admin.*"), S("api_v2-test:*"))],
  ])("%j", (query, expected) => {
    expect(parsePermissionQuery(query)).toEqual(expected);
  });

  it.each([
    ["", "Unexpected end of input. Please provide a valid permission query."],
    [
      "perm1 @ perm2",
      "Unexpected token 'invalid character '@' at position 6 in query' at position 6. The query appears to have extra content after a valid expression.",
    ],
    [
      "perm1 AND",
      "Unexpected end of query. Expected a permission identifier or opening parenthesis.",
    ],
    [
      "(perm1 AND perm2",
      "Missing closing parenthesis ')' at position 16. Every opening parenthesis must have a matching closing parenthesis.",
    ],
  ])("%j is refused", (query, message) => {
    expect(() => parsePermissionQuery(query)).toThrow(new PermissionQuerySyntaxError(message));
  });
});

describe("evaluation [pkg/rbac/rbac_test.go, integration_test.go, check_test.go]", () => {
  const granted = ["api.api1.read_api", "api.api1.update_api", "rbac.role1.read_role"];
  it.each([
    ["api.api1.read_api", granted, true],
    ["api.api2.read_api", granted, false],
    ["api.api1.read_api AND api.api1.update_api", granted, true],
    ["api.api1.read_api OR api.api2.read_api", granted, true],
    ["api.api1.read_api AND (api.api1.update_api OR rbac.role1.read_role)", granted, true],
    ["api.*", ["api.*", "api.read", "api.write"], true],
    ["api.*", ["api.read", "api.write", "api.delete"], false],
    ["api.*.read_key", ["api.key_123.read_key"], false],
    ["api.* OR api.read", ["api.read"], true],
    ["system:admin:read", ["system:admin:read", "system:admin:write"], true],
    ["system:admin:write", ["system:admin:read", "user:basic:read"], false],
    [
      "system:admin:* AND (api_v2:read OR api-v2:write)",
      ["system:admin:*", "api_v2:read", "user:basic:read"],
      true,
    ],
    [
      "api.key1.read_key AND (ratelimit.ns1.limit OR ratelimit.ns2.limit)",
      ["api.key1.read_key", "ratelimit.ns1.limit"],
      true,
    ],
    ["api.key1.read_key OR api.key1.update_key", ["api.key1.update_key"], true],
    ["perm1 OR perm2 AND perm3", ["perm1"], true],
    ["portal.pc_abc.create_portal_session", ["portal.pc_abc.read_portal"], false],
    ["api.*.create_api", ["api.*.create_api"], true],
    ["api.*.create_api", ["api.*.verify_key"], false],
  ] as const)("%s with %j → %s", (query, perms, valid) => {
    expect(checkPermissionQuery(parsePermissionQuery(query), new Set(perms)).valid).toBe(valid);
  });

  it("names what is missing, without revealing what is granted", () => {
    const result = checkPermissionQuery(
      or(S("api.*.verify_key"), S("api.api_requested.verify_key")),
      new Set(["api.api_secret.read_api"]),
    );
    expect(result).toEqual({
      valid: false,
      message: "Missing one of these permissions: api.*.verify_key or api.api_requested.verify_key",
    });
    const and2 = parsePermissionQuery("api.key1.read_key AND api.key1.delete_key");
    expect(checkPermissionQuery(and2, new Set(["api.key1.read_key"])).message).toBe(
      "Missing permission: 'api.key1.delete_key'",
    );
  });
});
